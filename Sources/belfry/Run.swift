import ArgumentParser
import BelfryAgent
import BelfryControl
import BelfryCore
import BelfryDBus
import BelfryHTTP
import Logging

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the agent in the foreground (what the systemd unit starts).")

    enum Sink: String, ExpressibleByArgument, CaseIterable {
        case dbus, stdout, auto
    }

    @OptionGroup var options: ConfigOption

    @Option(help: "Where popups go: dbus (desktop notifications), stdout (one JSON line per item), or auto (dbus when a session bus is there, else stdout).")
    var sink: Sink = .dbus

    func run() async throws {
        let env = Environment.current
        MallocArenas.limit(environment: env)
        let (path, config) = try options.load(environment: env)
        let logger = LogSetup.makeLogger(level: config.agent.logLevel)
        let transport: CurlTransport
        do { transport = try CurlTransport() } catch {
            printError("belfry: cannot start libcurl: \(error)")
            throw ExitCode(1)
        }
        var chosen = sink
        if chosen == .auto {
            chosen = (try? BusConnection.sessionBusAddress()) != nil ? .dbus : .stdout
            if chosen == .stdout {
                logger.notice("no desktop session bus here: printing items on stdout instead of popping them")
            }
        }
        let desktop: any DesktopSink = chosen == .stdout ? StdoutSink() : DBusNotifications()
        let runner = AgentRunner(config: config, configPath: path, sink: desktop, transport: transport,
                                 environment: env, logger: logger)
        do {
            try await runner.run()
        } catch let e as StateFile.Failure {
            printError("belfry: \(e.message)")
            throw ExitCode(1)
        } catch let e as ControlSocketError {
            printError("belfry: \(e.message)")
            throw ExitCode(1)
        }
    }
}
