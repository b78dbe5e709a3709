/// Why a provider call failed, in terms the feed loop acts on.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 401, or a 403 without the signs of a rate limit: the token was refused. Never retried in a loop.
        case auth
        /// 429/503, or a 403 that is a rate limit (see `RateLimit`), with the wait the service named.
        case rateLimited(retryAfter: Duration?)
        /// Any other non-2xx status.
        case http(status: Int)
        /// No response (connect, timeout, TLS, too large…).
        case transport(HTTPError.Code)
        /// A 2xx response we could not read.
        case decode
        /// The profile has no such endpoint.
        case unsupported
    }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }

    /// A 4xx other than 401/403 (token), 408 (timeout) and 429 (rate limit): sending the same request
    /// again cannot succeed.
    public var isPermanentRefusal: Bool {
        if case .http(let status) = kind { return (400..<500).contains(status) && ![401, 403, 408, 429].contains(status) }
        return false
    }
}
