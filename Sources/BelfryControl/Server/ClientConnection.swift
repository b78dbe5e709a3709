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
    /// Bytes queued for the peer; `outputStart` is the first unsent byte.
    var output: [UInt8] = []
    var outputStart = 0

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

    var pendingOutput: Int { output.count - outputStart }
    var pendingInput: Int { input.count - inputStart }

    func pollEvents(maxInFlight: Int) -> Int16 {
        var events: Int16 = 0
        if !readClosed && !closeWhenFlushed && inFlight < maxInFlight { events |= Int16(POLLIN) }
        if pendingOutput > 0 { events |= Int16(POLLOUT) }
        return events
    }

    var metadata: Logger.Metadata { ["client": "\(id)", "pid": "\(pid)"] }
}
