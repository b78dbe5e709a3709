import ArgumentParser
import BelfryEmulatorKit
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `belfry-emulator`: serves one provider preset on loopback until SIGINT or SIGTERM.
@main
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "belfry-emulator",
        abstract: "A local fake of a Belfry provider API, for trying Belfry and for tests.",
        discussion: "Admin surface under /_emulator (items, faults, calls); see docs/emulator.md."
    )

    @Option(help: "Provider to emulate.")
    var preset: EmulatorPreset

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 0

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Bearer token accepted as a logged-in user.")
    var token: String = "test-token"

    @Option(name: .customLong("api-key-token"), help: "aira: a second token that behaves like an API key.")
    var apiKeyToken: String?

    @Option(help: "Number of sample items (from the provider's docs) to start with.")
    var seed: Int = 0

    @Option(name: .customLong("ping-interval"), help: "visual-layer: SSE ping interval, e.g. 3s, 500ms.")
    var pingInterval: String = "3s"

    @Option(name: .customLong("auth-header"),
            help: "Authenticate by this header instead of a bearer token, NAME=VALUE with {token} for the token (repeatable).")
    var authHeaders: [String] = []

    var authHeaderMap: [String: String] {
        Dictionary(authHeaders.map { h in
            let parts = h.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }, uniquingKeysWith: { _, last in last })
    }

    /// Parses, then runs; a usage error exits 2 (DESIGN.md's exit codes) rather than argument-parser's 64.
    static func main() async {
        do {
            let command = try parse()
            try await command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileOutput.error(fullMessage(for: error))
                Self.exit(withError: ExitCode(2))
            }
            Self.exit(withError: error)
        }
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535") }
        guard seed >= 0, seed <= 100_000 else { throw ValidationError("--seed must be 0-100000") }
        guard DurationText.parse(pingInterval) != nil else {
            throw ValidationError("--ping-interval must be a duration like 500ms, 3s or 1m")
        }
        for h in authHeaders where !h.contains("=") || h.hasPrefix("=") {
            throw ValidationError("--auth-header must be NAME=VALUE, e.g. Api-Key={token}")
        }
    }

    func run() async throws {
        let options = EmulatorOptions(
            host: host, port: port, token: token, apiKeyToken: apiKeyToken, seed: seed,
            ssePingInterval: DurationText.parse(pingInterval)!, authHeaders: authHeaderMap)
        let emulator = Emulator(preset: preset, options: options)
        let signals = SignalWaiter(signals: [SIGINT, SIGTERM])
        do {
            _ = try await emulator.start()
        } catch {
            FileOutput.error("belfry-emulator: \(error)")
            throw ExitCode(1)
        }
        FileOutput.line("listening on \(emulator.baseURL)")
        await signals.wait()
        await emulator.stop()
    }
}

extension EmulatorPreset: ExpressibleByArgument {}
