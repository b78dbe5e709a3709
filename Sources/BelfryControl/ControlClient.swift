internal import CBelfryLinux
internal import Glibc
import BelfryCore

/// A blocking client of the control socket, for the `belfry` command line: one connection, one
/// call at a time, each bounded by `timeout`.
///
/// Not for concurrent use: call `call` and `subscribe` from one thread at a time. `cancel()` may be
/// called from any thread (it only writes an eventfd, so it is also async-signal-safe).
public final class ControlClient: @unchecked Sendable {
    public let path: String
    /// How long `call` (and the `subscribe` request) waits for the agent.
    public let timeout: Duration
    /// A response line longer than this is a protocol violation (protects the CLI's memory).
    public static let maxLineBytes = 16 * 1024 * 1024

    let fd: Int32
    private let cancelFD: Int32
    private var input: [UInt8] = []
    private var inputStart = 0
    private var nextID = 1

    /// Connects to the agent. Throws `.notRunning` when there is no socket at `path` or nothing
    /// listens on it (the CLI exits 3 then), other codes for anything else.
    public init(path: String, timeout: Duration = .seconds(10)) throws(ControlSocketError) {
        self.path = path
        self.timeout = timeout
        let address = try UnixSocketAddress(path: path)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let fd: Int32
        let cancelFD: Int32
        do {
            fd = try makeStreamSocket(nonBlocking: true)
        } catch {
            throw error.socketError()
        }
        do {
            cancelFD = try systemCall("eventfd", belfry_eventfd())
        } catch {
            close(fd)
            throw error.socketError()
        }
        self.fd = fd
        self.cancelFD = cancelFD
        // `deinit` closes both descriptors if connecting fails from here on.
        while true {
            do {
                _ = try address.withSockaddr { (sa, len) throws(SystemCallError) in
                    try systemCall("connect \(path)", connect(fd, sa, len))
                }
                return
            } catch {
                switch error.errno {
                case ENOENT:
                    throw ControlSocketError(
                        code: .notRunning, message: "belfry is not running (no control socket at \(path))", errno: error.errno)
                case ECONNREFUSED:
                    throw ControlSocketError(
                        code: .notRunning, message: "belfry is not running (nothing listens on \(path))", errno: error.errno)
                case EAGAIN where ContinuousClock.now < deadline:
                    usleep(10_000)  // the agent's accept backlog is full: it is busy, not gone
                case EAGAIN:
                    throw ControlSocketError(code: .timeout, message: "the belfry agent does not accept connections on \(path)")
                default:
                    throw error.socketError(.system, "cannot connect to the belfry agent: \(error)")
                }
            }
        }
    }

    deinit {
        close(fd)
        close(cancelFD)
    }

    /// Calls `method` and returns its result. Throws `ControlError` when the agent answers with an
    /// error, `ControlSocketError` when it does not answer (`.timeout`, `.connectionClosed`, …).
    public func call(_ method: String, params: JSONValue? = nil) throws -> JSONValue {
        let id = nextID
        nextID += 1
        let deadline = ContinuousClock.now.advanced(by: timeout)
        try send(raw: JSONRPCLine.request(id: .number(Double(id)), method: method, params: params), deadline: deadline)
        while true {
            guard let message = try nextMessage(deadline: deadline) else {
                throw ControlSocketError(code: .connectionClosed, message: "the belfry agent closed the connection before answering")
            }
            if message["id"] == .number(Double(id)) {
                if let error = message["error"] { throw ControlError(json: error) ?? Self.violation(message) }
                guard let result = message["result"] else { throw Self.violation(message) }
                return result
            }
            // An error the server could not tie to a request (too large, refused peer).
            if message["id"] == .null, let error = message["error"] {
                throw ControlError(json: error) ?? Self.violation(message)
            }
            // Anything else (an event of an earlier subscription, a stray response) is not ours.
        }
    }

    /// Subscribes, then calls `onEvent` with the params of every `event` notification until the
    /// agent closes the connection or `cancel()` is called (both return normally). Errors thrown by
    /// `onEvent` end the subscription and are rethrown.
    public func subscribe(params: JSONValue? = nil, onEvent: (JSONValue) throws -> Void) throws {
        _ = try call("subscribe", params: params)
        while true {
            let message: JSONValue?
            do {
                message = try nextMessage(deadline: nil)
            } catch {
                if error.code == .cancelled { return }
                throw error
            }
            guard let message else { return }
            if message["method"] == .string("event") {
                try onEvent(message["params"] ?? .null)
            } else if message["id"] == .null, let error = message["error"] {
                throw ControlError(json: error) ?? Self.violation(message)
            }
        }
    }

    /// Makes a waiting `call` throw `.cancelled` and a running `subscribe` return. Thread-safe.
    public func cancel() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(cancelFD, $0.baseAddress, 8) }
    }

    private static func violation(_ message: JSONValue) -> ControlSocketError {
        ControlSocketError(code: .protocolViolation, message: "unexpected message from the belfry agent: \(message.serialized())")
    }

    // MARK: - Lines

    /// The next JSON message, or nil at end of stream.
    private func nextMessage(deadline: ContinuousClock.Instant?) throws(ControlSocketError) -> JSONValue? {
        guard let line = try nextLine(deadline: deadline) else { return nil }
        do {
            return try JSONValue.parse(line)
        } catch {
            throw ControlSocketError(code: .protocolViolation, message: "the belfry agent sent something that is not JSON")
        }
    }

    /// The next LF-terminated line without its LF, or nil at end of stream (or connection reset).
    /// Internal so tests can read what the server sent verbatim.
    func nextLine(deadline: ContinuousClock.Instant?) throws(ControlSocketError) -> [UInt8]? {
        var scanned = inputStart
        while true {
            if let newline = input[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(input[inputStart..<newline])
                inputStart = newline + 1
                if inputStart > 64 * 1024 {
                    input.removeFirst(inputStart)
                    inputStart = 0
                }
                return line
            }
            scanned = input.count
            guard input.count - inputStart <= Self.maxLineBytes else {
                throw ControlSocketError(code: .protocolViolation, message: "the belfry agent sent a line over \(Self.maxLineBytes) bytes")
            }
            try wait(for: Int16(POLLIN), deadline: deadline)
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let count: Int
            do {
                count = try systemCall("read", chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) })
            } catch {
                if error.isWouldBlock { continue }
                if error.errno == ECONNRESET { return nil }
                throw error.socketError(.system, "reading from the belfry agent: \(error)")
            }
            if count == 0 { return nil }
            input.append(contentsOf: chunk[0..<count])
        }
    }

    /// Writes all of `bytes`. Internal so tests can send malformed lines.
    func send(raw bytes: [UInt8], deadline: ContinuousClock.Instant) throws(ControlSocketError) {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT), deadline: deadline)
            do {
                offset += try systemCall("send", bytes.withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
                })
            } catch {
                if error.isWouldBlock { continue }
                if error.errno == EPIPE || error.errno == ECONNRESET {
                    throw ControlSocketError(code: .connectionClosed, message: "the belfry agent closed the connection", errno: error.errno)
                }
                throw error.socketError(.system, "writing to the belfry agent: \(error)")
            }
        }
    }

    /// Waits until the socket is ready for `events`, the deadline passes (`.timeout`) or `cancel()`
    /// is called (`.cancelled`).
    private func wait(for events: Int16, deadline: ContinuousClock.Instant?) throws(ControlSocketError) {
        var fds = [pollfd(fd: fd, events: events, revents: 0), pollfd(fd: cancelFD, events: Int16(POLLIN), revents: 0)]
        var milliseconds: Int32 = -1
        if let deadline {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                throw ControlSocketError(code: .timeout, message: "the belfry agent did not answer within \(timeout)")
            }
            let (seconds, attoseconds) = left.components
            milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
        }
        let ready: Int32
        do { ready = try systemCall("poll", poll(&fds, 2, milliseconds)) } catch { throw error.socketError() }
        if fds[1].revents != 0 {
            throw ControlSocketError(code: .cancelled, message: "cancelled")
        }
        if ready == 0 {
            throw ControlSocketError(code: .timeout, message: "the belfry agent did not answer within \(timeout)")
        }
        // Readiness (or POLLHUP/POLLERR, which the following read or send reports) is back.
    }
}
