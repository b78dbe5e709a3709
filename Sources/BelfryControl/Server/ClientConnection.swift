internal import Glibc
import Logging

typealias ClientID = UInt64

/// One accepted connection. Owned by the I/O thread: never touched from anywhere else.
final class ClientConnection {
    let id: ClientID
    let fd: Int32
    let pid: Int32

    /// Bytes read but not yet consumed as lines; `inputStart` is the first unconsumed byte.
    var input: [UInt8] = []
    var inputStart = 0
    /// Lines queued for the peer: replies (always sent whole) and events (bounded).
    var output = OutgoingQueue()

    /// Requests handed to the handler and not answered yet (bounded: see `ControlServer.Configuration`).
    var inFlight = 0
    /// The peer shut down its sending side (or we stopped reading after an oversized request).
    var readClosed = false
    /// Close as soon as `output` is sent.
    var closeWhenFlushed = false
    /// A `subscribe` was accepted (or is being set up) on this connection.
    var subscribed = false

    init(id: ClientID, fd: Int32, pid: Int32) {
        self.id = id
        self.fd = fd
        self.pid = pid
    }

    var pendingOutput: Int { output.pending }
    var pendingInput: Int { input.count - inputStart }

    /// Whether the connection's next request may be taken: fewer than `maxInFlight` are being
    /// handled and at most `maxOutput` bytes wait to be read by the peer. A client that sends
    /// requests and does not read its answers is not read from either (backpressure): its replies
    /// are never dropped, so this is what bounds them.
    func acceptsRequests(maxInFlight: Int, maxOutput: Int) -> Bool {
        !closeWhenFlushed && inFlight < maxInFlight && pendingOutput <= maxOutput
    }

    func pollEvents(maxInFlight: Int, maxOutput: Int) -> Int16 {
        var events: Int16 = 0
        if !readClosed && acceptsRequests(maxInFlight: maxInFlight, maxOutput: maxOutput) { events |= Int16(POLLIN) }
        if pendingOutput > 0 { events |= Int16(POLLOUT) }
        return events
    }

    var metadata: Logger.Metadata { ["client": "\(id)", "pid": "\(pid)"] }
}
