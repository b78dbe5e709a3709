import ArgumentParser
import BelfryCore

struct ConfigExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-example",
        abstract: "Print an example config with every key, its default and what it does.")

    func run() {
        print(ExampleConfig.render(), terminator: "")
    }
}
