import BelfryCore
import Foundation
import Logging
import Synchronization
import Testing

@testable import BelfryControl

/// A handler with a few canned methods, and subscriptions the test pushes to.
final class StubHandler: ControlHandler {
    private struct State {
        var recorded: [JSONValue] = []
        var subscribers: [Int: AsyncStream<JSONValue>.Continuation] = [:]
        var nextSubscriber = 0
        var state = 0
    }
    private let state = Mutex(State())

    func handle(method: String, params: JSONValue?) async throws(ControlError) -> JSONValue {
        switch method {
        case "echo":
            return params ?? .null
        case "record":
            state.withLock { $0.recorded.append(params ?? .null) }
            return true
        case "fail-params":
            throw .invalidParams("expected {\"key\": string}", data: ["key": "missing"])
        case "fail-internal":
            throw .internalError("the stub broke")
        case "big":
            // A reply of about `bytes` bytes (a large `list`).
            return .string(String(repeating: "b", count: params?["bytes"]?.int ?? 0))
        case "sleep":
            try? await Task.sleep(for: .seconds(params?["seconds"]?.int ?? 30))
            return "slept"
        default:
            throw .methodNotFound(method)
        }
    }

    /// Yields the current state at once, as the agent will.
    func subscribe(params: JSONValue?) async throws(ControlError) -> AsyncStream<JSONValue> {
        if params?["refuse"] == true { throw .invalidParams("refused") }
        let (stream, continuation) = AsyncStream.makeStream(of: JSONValue.self)
        let id = state.withLock { state in
            defer { state.nextSubscriber += 1 }
            state.subscribers[state.nextSubscriber] = continuation
            continuation.yield(["state": .number(Double(state.state))])
            return state.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sends `value` to every subscriber.
    func push(_ value: JSONValue) {
        let continuations = state.withLock { Array($0.subscribers.values) }
        for continuation in continuations { continuation.yield(value) }
    }

    /// Ends every subscription stream (the server then closes those connections).
    func finishSubscriptions() {
        let continuations = state.withLock { Array($0.subscribers.values) }
        for continuation in continuations { continuation.finish() }
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }
    var recorded: [JSONValue] { state.withLock { $0.recorded } }
}

/// A fresh folder under /tmp, removed by `removeFolder`.
func makeTemporaryFolder() -> String {
    var template = Array("/tmp/belfry-ctl-XXXXXX".utf8CString)
    let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(created != nil, "mkdtemp failed")
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func removeFolder(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Keeps what the server logs, so tests can check that refusals and drops are reported.
final class LogRecorder: Sendable {
    private let entries = Mutex<[(level: Logger.Level, message: String)]>([])

    func append(_ level: Logger.Level, _ message: String) { entries.withLock { $0.append((level, message)) } }

    func contains(_ level: Logger.Level, _ fragment: String) -> Bool {
        entries.withLock { $0.contains { $0.level == level && $0.message.contains(fragment) } }
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { recorder.append(event.level, event.message.description) }
}

func testLogger(_ recorder: LogRecorder = LogRecorder()) -> Logger {
    Logger(label: "belfry.control.test") { _ in RecordingLogHandler(recorder: recorder) }
}

/// Runs a server on a socket in a fresh folder for the duration of `body`, then stops it and
/// checks that it removed its socket.
func withServer(
    handler: StubHandler = StubHandler(),
    logs: LogRecorder = LogRecorder(),
    configure: (inout ControlServer.Configuration) -> Void = { _ in },
    prepare: (String) throws -> Void = { _ in },
    _ body: (_ path: String, _ handler: StubHandler) async throws -> Void
) async throws {
    let folder = makeTemporaryFolder()
    defer { removeFolder(folder) }
    let path = folder + "/belfry/control.sock"
    var configuration = ControlServer.Configuration(path: path)
    configure(&configuration)
    try prepare(path)
    let server = try ControlServer(configuration: configuration, handler: handler, logger: testLogger(logs))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        do {
            try await body(path, handler)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
        try await group.waitForAll()
    }
    #expect(access(path, F_OK) != 0, "the server removes its socket when it stops")
}

/// Runs blocking client code on its own thread, off Swift's cooperative pool (whose threads the
/// server's handler tasks need).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// Polls `condition` every 10 ms for at most `seconds`.
func eventually(within seconds: Int = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

extension ControlClient {
    /// Sends one raw line and returns the next line the server sends, parsed.
    func exchange(_ line: String) throws -> JSONValue {
        try send(raw: Array((line + "\n").utf8), deadline: .now.advanced(by: timeout))
        return try nextJSON()
    }

    func nextJSON() throws -> JSONValue {
        guard let line = try nextLine(deadline: .now.advanced(by: timeout)) else {
            throw ControlSocketError(code: .connectionClosed, message: "EOF")
        }
        return try JSONValue.parse(line)
    }

    func shutdownWriting() throws {
        guard shutdown(fd, Int32(SHUT_WR)) == 0 else { throw ControlSocketError(code: .system, message: "shutdown") }
    }

    /// Reads until end of stream; returns how many lines came, or nil if the deadline passed first.
    func linesUntilEOF(within timeout: Duration = .seconds(10)) throws -> Int? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var count = 0
        do {
            while try nextLine(deadline: deadline) != nil { count += 1 }
        } catch {
            if error.code == .timeout { return nil }
            throw error
        }
        return count
    }
}
