import ArgumentParser
import BelfryCore

@main
struct Belfry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "belfry",
        abstract: "Brings web services' notification feeds to the Linux desktop.",
        discussion: """
            `belfry run` is the agent (started by the systemd user unit). The other verbs talk to a \
            running agent over its control socket. Exit codes: 0 success, 1 runtime failure, 2 usage or \
            config error, 3 agent not running.
            """,
        version: BelfryVersion.string,
        subcommands: [Run.self, Check.self, Status.self, Count.self, List.self, Open.self, Read.self, Pause.self, Resume.self, Sync.self, Reload.self, Watch.self, ConfigExample.self, GenerateManual.self])

    /// argument-parser's own entry point, except that a usage error exits 2 (DESIGN.md), not 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}

/// `--config PATH`, shared by the verbs that read the config.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/belfry/config.toml).")
    var config: String?

    func path(environment: [String: String]) -> String {
        config ?? ConfigLoader.defaultPath(environment: environment)
    }

    /// The validated config, or exit 2 with every problem listed.
    func load(environment: [String: String]) throws -> (path: String, config: BelfryConfig) {
        let path = path(environment: environment)
        do {
            return (path, try ConfigLoader.load(path: path))
        } catch {
            printError("belfry: the config was refused:\n\(error)")
            throw ExitCode(2)
        }
    }
}
