/// One HTTP header as sent or received. Names compare case-insensitively through `HTTPResponse.header(_:)`.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Transport-level settings shared by requests and streams of one source.
public struct HTTPSecurity: Sendable, Equatable {
    /// A PEM bundle of CA certificates (a private CA), passed to libcurl as `CURLOPT_CAINFO`. It
    /// REPLACES the system store for this source: a service behind a public CA is then not trusted
    /// unless the bundle holds that CA too. `nil` uses the system store. Verification is always on.
    public var caFile: String?
    public init(caFile: String? = nil) { self.caFile = caFile }
}

/// A request the core asks a transport to perform. The transport never logs headers (they carry tokens).
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]?
    /// Whole-transfer timeout (connect + send + receive).
    public var timeout: Duration
    /// A response body larger than this fails with `HTTPError.Code.tooLarge` instead of growing memory.
    public var maxBodyBytes: Int
    public var security: HTTPSecurity
    /// The credentials this request carries (the token, each auth header value as sent). Whoever reads
    /// the answer takes them out of the service's text with a `SecretRedactor` before using it, since
    /// a service may echo them back; never sent as such, never logged.
    public var secrets: [String]

    public init(
        method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30), maxBodyBytes: Int = 8 << 20, security: HTTPSecurity = .init(),
        secrets: [String] = []
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.security = security
        self.secrets = secrets
    }
}

public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The last value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.last(where: { $0.name.lowercased() == lower })?.value
    }
}

/// A transport failure (no HTTP status was obtained, or the body broke a limit).
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case connect, timeout, tls, tooLarge, cancelled, protocolError, other
        /// A redirect that must not be followed (loop, too many, credentials it would need elsewhere).
        case redirect
    }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

/// One piece of a long-lived streamed response, in order: one `.head`, then any number of `.bytes`.
public enum HTTPStreamPart: Sendable, Equatable {
    case head(status: Int, headers: [HTTPHeader])
    case bytes([UInt8])
}

/// A long-lived request (Server-Sent Events). No whole-transfer timeout: a stream is declared dead
/// when no byte arrives for `idleTimeout`.
public struct HTTPStreamRequest: Sendable, Equatable {
    public var request: HTTPRequest
    public var idleTimeout: Duration
    public init(request: HTTPRequest, idleTimeout: Duration) {
        self.request = request
        self.idleTimeout = idleTimeout
    }
}

/// The seam between the core and an HTTP implementation (libcurl in the agent, fakes in tests).
/// Implementations never block the cooperative thread pool.
public protocol HTTPTransport: Sendable {
    /// Performs one request and returns the whole response (any status). Throws `HTTPError` when no
    /// response could be obtained. Cancelling the calling task aborts the transfer.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse

    /// Opens a long-lived response. The stream yields `.head` once, then body chunks as they arrive,
    /// and finishes when the server closes, or throws `HTTPError` (e.g. `.timeout` when idle too long).
    /// Terminating the iteration (or cancelling the consuming task) aborts the transfer promptly.
    func stream(_ request: HTTPStreamRequest) -> AsyncThrowingStream<HTTPStreamPart, Error>
}
