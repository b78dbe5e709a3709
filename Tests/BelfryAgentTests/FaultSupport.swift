import BelfryAgent
import BelfryCore
import BelfryDBus
import Foundation
import Logging
import Glibc
import Synchronization

/// Collects every log line of an agent under test, so tests can assert on warnings and grep for secrets.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }
    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "belfry-fault-test") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            capture.append("\(level) \(message) \(metadata.map { "\($0)" } ?? "")")
        }
    }
}

extension AgentWorld {
    /// Like `start`, with the agent's log captured, an environment of the test's choosing and,
    /// optionally, a wall clock of its own (`JumpingClock`).
    func start(_ text: String, log: LogCapture, environment: [String: String] = [:],
               now: (@Sendable () -> Double)? = nil) async throws {
        let path = dir + "/config.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: path)
        let sink = DBusNotifications(busAddress: bus.address)
        self.sink = sink
        var runner = AgentRunner(config: config, configPath: path, sink: sink, transport: http,
                                 environment: ["HOME": dir].merging(environment) { _, new in new }, logger: log.logger())
        if let now { runner.now = now }
        let prepared = try await runner.prepare(trapSignals: false)
        running = (prepared, Task { try await prepared.run() })
    }

    var sourceState: String? { get async { await agent.statusJSON()["sources"]?[path: "0.state"]?.string } }
    var sourceError: String? { get async { await agent.statusJSON()["sources"]?[path: "0.last_error"]?.string } }

    func waitUntilPolled() async throws {
        try await eventually("first poll") { await sourceState == "ok" }
    }

    /// The API calls to `path` (exact), in order, with the time the emulator received each.
    func calls(to path: String, method: String = "GET") async throws -> [Date] {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try await calls().filter { $0["path"]?.string == path && $0["method"]?.string == method }
            .compactMap { $0["at"]?.string.flatMap { try? style.parse($0) } }
    }

    /// A loopback port nobody listens on (bound, then closed).
    static func closedPort() -> Int {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// A wall clock for the agent that a test can move: the real time plus an offset it sets.
final class JumpingClock: Sendable {
    private let offset = Mutex<Double>(0)

    /// The clock as the agent reads it.
    var now: @Sendable () -> Double { { [self] in Date().timeIntervalSince1970 + offset.withLock { $0 } } }

    /// Sets the clock to the real time plus `seconds` (negative: behind).
    func set(offsetBy seconds: Double) { offset.withLock { $0 = seconds } }

    static let day = 86_400.0
    static let year = 365 * day
}

/// The package root (for the built `belfry` binary).
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()
