import BelfryCore
import FoundationEssentials
import Glibc

/// What a service's polite-polling headers said about one source: a 304's validators, its
/// `X-Poll-Interval` floor, and a rate limit's end.
struct PoliteState {
    /// A complete listing was ingested in this run: from then on the first page goes out conditionally.
    /// The first listing after a start never does: the unread set (counts, read-elsewhere) lives in
    /// memory and only a full answer rebuilds it.
    var listedThisRun = false
    var pollFloor: Duration?
    /// Wall clock (seconds since 1970) until which the service asked not to be called.
    var rateLimitedUntil: Double?
}

extension Agent {
    /// The transport of `source`: redirects followed, its token only for its own origin and the ones
    /// its profile names (`trustedOrigins`).
    func redirecting(for source: SourceConfig) -> RedirectingTransport {
        let extra = (trustedOrigins[source.name] ?? []).compactMap(HTTPOrigin.init(url:))
        return RedirectingTransport(base: transport, trusted: Set(source.trustedOrigins + extra))
    }

    /// Lets `source`'s token follow a redirect to these origins too (absolute URLs), as a profile's
    /// absolute stream URL does.
    public func trust(_ origins: [String], for source: String) { trustedOrigins[source] = origins }

    /// The validators to send with `source`'s next listing: none before a full listing in this run.
    func validators(for name: String) -> ListValidators? {
        guard polite[name]?.listedThisRun == true else { return nil }
        return inbox.state.sources[name]?.validators
    }

    /// Records a listing's head (after its items were ingested, or a 304); returns the interval until
    /// the next poll: `interval`, floored by the service's `X-Poll-Interval`.
    public func listed(_ name: String, head: ListHead, interval: Duration) -> Duration {
        var p = polite[name] ?? PoliteState()
        if !head.notModified {
            inbox.setValidators(head.validators, source: name)
            stateChanged()
            p.listedThisRun = true
        }
        p.pollFloor = head.pollFloor
        p.rateLimitedUntil = nil
        polite[name] = p
        return head.nextPoll(after: interval)
    }

    /// A rate limit: no token popup; `status` says until when (local time).
    public func rateLimited(_ name: String, _ message: String, wait: Duration) {
        let until = now() + wait.seconds
        polite[name, default: PoliteState()].rateLimitedUntil = until
        let text = "rate-limited until \(Self.localClock(until)) (\(message))"
        logger.warning("\(text)")
        setHealth(name) {
            $0.state = "rate-limited"
            $0.lastError = text
        }
    }

    /// The status fields of the polite-polling state of `name`.
    func politeStatus(_ name: String) -> [String: JSONValue] {
        guard let p = polite[name] else { return [:] }
        var o: [String: JSONValue] = [:]
        if let f = p.pollFloor { o["poll_interval_floor"] = .number(f.seconds) }
        if let u = p.rateLimitedUntil, u > now() { o["rate_limited_until"] = .string(Timestamp.format(u)) }
        return o
    }

    /// `HH:MM` in local time (seconds too when under a minute away would be noise; not shown).
    static func localClock(_ t: Double) -> String {
        var time = time_t(t.rounded(.up))
        var tm = Glibc.tm()
        localtime_r(&time, &tm)
        let h = Int(tm.tm_hour), m = Int(tm.tm_min)
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}
