/// Why the control socket could not be set up, reached or used. The CLI maps `.notRunning` to exit
/// code 3 with a hint; the agent refuses to start on the setup codes.
public struct ControlSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// No socket at the path, or nothing listening on it (ENOENT, ECONNREFUSED).
        case notRunning
        /// Another process answers on the path; the server never takes a live socket over.
        case alreadyRunning
        /// The socket folder belongs to another uid, or the path is something other than a socket.
        case insecurePath
        /// Empty, not absolute where required, or longer than `sun_path` allows.
        case invalidPath
        /// No answer within the client's timeout.
        case timeout
        /// The peer closed the connection before answering.
        case connectionClosed
        /// The peer sent something that is not JSON-RPC 2.0.
        case protocolViolation
        /// `ControlClient.cancel()` was called.
        case cancelled
        /// `run()` called on a server that already ran.
        case alreadyStarted
        /// Any other system call failure; the message names the call, the path and `strerror`.
        case system
    }

    public var code: Code
    public var message: String
    /// The errno behind the failure, when there is one.
    public var errno: Int32?

    public init(code: Code, message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String { message }
}
