import BelfryAgent
import BelfryCore
import Glibc
import Logging

enum Environment {
    static var current: [String: String] { ProcessEnvironment.current }
}

func printError(_ text: String) {
    var bytes = Array((text + "\n").utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if n <= 0 { return }
        bytes = bytes.dropFirst(n)
    }
}

enum LogSetup {
    /// Logs to stderr (the journal under systemd), at the config's level.
    static func makeLogger(level: String) -> Logger {
        let lvl = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = lvl
            return h
        }
        var logger = Logger(label: "belfry")
        logger.logLevel = lvl
        return logger
    }
}



func fflushStdout() { fflush(nil) }

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
