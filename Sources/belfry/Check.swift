import ArgumentParser
import BelfryAgent
import BelfryCore
import BelfryHTTP

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the config, then reach each source and report (tokens are never printed).")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Only validate the file; do not contact the services.")
    var offline = false

    func run() async throws {
        let env = Environment.current
        let (path, config) = try options.load(environment: env)
        print("\(path): valid, \(config.sources.count) source(s)")
        for w in config.warnings { print("warning: \(w)") }
        let transport: CurlTransport
        do { transport = try CurlTransport() } catch {
            printError("belfry: cannot start libcurl: \(error)")
            throw ExitCode(1)
        }
        var failed = 0
        for s in config.sources {
            print("\n[\(s.name)] preset \(s.preset), \(s.baseURL)\(s.enabled ? "" : " (disabled)")")
            print("  token: \(s.token.map { "\($0)" } ?? "none")")
            let stream = s.profile.stream != nil && s.transport != .poll
            print("  transport: \(stream ? "stream, with polling every \(DurationText.format(s.pollInterval)) as catch-up" : "poll every \(DurationText.format(s.pollInterval))")")
            print("  mark read on the service: \(s.profile.markRead != nil ? "yes" : "no (kept locally)")")
            for note in s.profile.notes { print("  note: \(note)") }
            guard !offline, s.enabled else { continue }
            do {
                let token = try TokenLoader.load(s.token, source: s.name, environment: env, warn: { print("  warning: \($0)") })
                let client = ProviderClient(source: s, transport: transport, token: token, timeout: .seconds(15))
                let items = try await client.listUnread()
                print("  reached: \(items.filter { !$0.isRead }.count) unread item(s) listed")
            } catch {
                failed += 1
                print("  FAILED: \(error)")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
