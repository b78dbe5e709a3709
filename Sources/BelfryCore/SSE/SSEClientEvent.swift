/// What an `SSEClient` reports, in order.
public enum SSEClientEvent: Sendable, Equatable {
    /// A stream was opened (a 200 with `text/event-stream`), first or after a reconnect. Whatever
    /// happened while disconnected may be missing: catch up (poll) before trusting the stream.
    case connected
    /// An event the server sent.
    case event(SSEEvent)
    /// The stream failed or ended. `consecutiveFailures` counts the disconnects since the last good
    /// connection (one that delivered an event or stayed up for the backoff's stable period), this
    /// one included; the client tries again after `retryIn`.
    case disconnected(SSEDisconnectReason, consecutiveFailures: Int, retryIn: Duration)
}

/// Why a stream was lost (or never obtained); the client reconnects after each of these.
public enum SSEDisconnectReason: Sendable, Equatable, CustomStringConvertible {
    /// No response, or the connection broke (including the idle watchdog's `.timeout`).
    case transport(HTTPError)
    /// A status other than 200, 204, 401 and 403.
    case status(Int)
    /// A 200 whose `Content-Type` is not `text/event-stream`.
    case notEventStream(contentType: String?)
    /// The server ended the stream.
    case closed
    /// An event or line broke a parser cap.
    case tooLarge(SSEParser.Error)
    /// The transport broke its contract (body before head, no head).
    case protocolError(String)

    public var description: String {
        switch self {
        case .transport(let e): "transport error: \(e.message)"
        case .status(let s): "HTTP status \(s)"
        case .notEventStream(let ct): "not an event stream (Content-Type: \(ct ?? "none"))"
        case .closed: "the server closed the stream"
        case .tooLarge(let e): e.description
        case .protocolError(let m): "transport protocol error: \(m)"
        }
    }
}

/// Why an `SSEClient` stopped for good: retrying would not help.
public struct SSEClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// HTTP 204: the server offers no stream here; the caller polls instead.
        case notOffered
        /// HTTP 401 or 403: the credentials were refused.
        case unauthorized
        /// `Configuration.maxConsecutiveFailures` was reached.
        case tooManyFailures
    }
    public var code: Code
    /// The HTTP status that ended the stream, when one did.
    public var status: Int?
    public var message: String

    public init(_ code: Code, status: Int? = nil, message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    public var description: String { message }
}
