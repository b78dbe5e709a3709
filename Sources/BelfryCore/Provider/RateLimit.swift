import FoundationEssentials

/// Tells a rate limit from a refused token. GitHub answers an exhausted limit with 403 (or 429) and
/// `x-ratelimit-remaining: 0` + `x-ratelimit-reset: <epoch s>`, a secondary limit with `Retry-After`,
/// and says "rate limit" in its message; none of that is a bad token.
public enum RateLimit {
    /// Whether `response` (a 403 or 429 or 503) is a rate limit, and how long the service asks to wait
    /// (nil: it did not say). `detail` is the service's error text; `now` the local wall clock, used
    /// when the service sends no `Date`. Epoch resets and Retry-After dates are read against the
    /// service's own clock, so a wrong local clock neither stretches nor cuts the wait.
    public static func classify(_ response: HTTPResponse, detail: String, now: Double) -> (isRateLimit: Bool, wait: Duration?) {
        let reference = response.header("Date").flatMap(RetryAfter.httpDate) ?? now
        var wait: Duration?
        if let ra = response.header("Retry-After") {
            wait = RetryAfter.parse(ra, now: Date(timeIntervalSince1970: reference))
        }
        let exhausted = response.header("X-RateLimit-Remaining").map { $0.trimmingWhitespace() == "0" } ?? false
        if exhausted, wait == nil, let reset = response.header("X-RateLimit-Reset").flatMap({ Double($0.trimmingWhitespace()) }) {
            wait = .milliseconds(Int64(max(0, reset - reference) * 1000))
        }
        let said = detail.lowercased().contains("rate limit") || detail.lowercased().contains("rate-limit")
        let isRateLimit = response.status == 429 || response.status == 503
            || ([403].contains(response.status) && (exhausted || response.header("Retry-After") != nil || said))
        return (isRateLimit, isRateLimit ? wait : nil)
    }

    /// The longest a rate limit or Retry-After puts a source off: a date far ahead, from a confused
    /// service or read against a local clock that is far behind, must not stop a feed for ever.
    public static let maxWait: Duration = .seconds(3600)
}
