import FoundationEssentials

/// What the service said about the first page of a listing, to ask it again conditionally: its
/// `ETag` and `Last-Modified`, for the exact URL they describe. Persisted in `SourceState` (compact
/// keys), so a restart polls conditionally at once.
public struct ListValidators: Sendable, Codable, Equatable {
    /// The page URL these describe (another query, another base URL: not sent).
    public var url: String
    public var etag: String?
    public var lastModified: String?

    public init(url: String, etag: String? = nil, lastModified: String? = nil) {
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
    }

    enum CodingKeys: String, CodingKey { case url = "u", etag = "e", lastModified = "m" }

    /// As saved in the state file: `{"u": url, "e": etag, "m": last-modified}`.
    var json: JSONValue {
        var o: [String: JSONValue] = ["u": .string(url)]
        if let etag { o["e"] = .string(etag) }
        if let lastModified { o["m"] = .string(lastModified) }
        return .object(o)
    }

    /// Reads `json`; nil when it is not that shape.
    init?(json: JSONValue) {
        guard let url = json["u"]?.string else { return nil }
        self.init(url: url, etag: json["e"]?.string, lastModified: json["m"]?.string)
        guard etag != nil || lastModified != nil else { return nil }
    }

    /// The conditional headers for a request to `url`: none when these describe another URL.
    public func headers(for url: String) -> [HTTPHeader] {
        guard url == self.url else { return [] }
        var h: [HTTPHeader] = []
        if let etag { h.append(HTTPHeader("If-None-Match", etag)) }
        if let lastModified { h.append(HTTPHeader("If-Modified-Since", lastModified)) }
        return h
    }

    /// The validators a 200 answer to `url` carries; nil when it sent neither.
    public static func from(_ response: HTTPResponse, url: String) -> ListValidators? {
        let etag = response.header("ETag").map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty || $0.count > 512 ? nil : $0 }
        let modified = response.header("Last-Modified").map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty || $0.count > 128 ? nil : $0 }
        guard etag != nil || modified != nil else { return nil }
        return ListValidators(url: url, etag: etag, lastModified: modified)
    }
}

/// What the first page's head said, beside the items: whether nothing changed (304), the validators
/// to send next time, and the service's polling floor.
public struct ListHead: Sendable, Equatable {
    /// The service answered 304 Not Modified: the previous listing stands; nothing was parsed.
    public var notModified = false
    /// The validators to keep (the ones sent, after a 304).
    public var validators: ListValidators?
    /// `X-Poll-Interval` (seconds): the service asks not to be polled more often.
    public var pollFloor: Duration?
    public init() {}

    /// When to poll next: the configured interval, never under the service's `X-Poll-Interval`.
    public func nextPoll(after interval: Duration) -> Duration { max(interval, pollFloor ?? .zero) }

    /// The `X-Poll-Interval` of `response`, if a sane number of seconds (1 s … 1 day).
    static func pollFloor(_ response: HTTPResponse) -> Duration? {
        guard let text = response.header("X-Poll-Interval"), let s = Int(text.trimmingWhitespace()), s > 0 else { return nil }
        return .seconds(min(s, 86_400))
    }
}

extension ProviderClient {
    /// One page of the listing, its answer parsed (nil for a 304) beside the response (its paging
    /// headers). The first page goes out conditionally (`validators`) and fills `head`.
    func listPage(_ query: [String: String], first: Bool, head: inout ListHead) async throws(ProviderError) -> (JSONValue?, HTTPResponse) {
        let url = request(profile.list, id: nil, query: query, body: nil).url
        let conditional = first ? (validators?.headers(for: url) ?? []) : []
        let (response, redactor) = try await send(profile.list, id: nil, query: query, body: nil, what: "list",
                                                  done: conditional.isEmpty ? [] : [304], headers: conditional)
        if first {
            head.pollFloor = ListHead.pollFloor(response)
            if response.status == 304 {
                head.notModified = true
                head.validators = validators
                return (nil, response)
            }
            head.validators = ListValidators.from(response, url: url)
        }
        do {
            return (try Self.parse(response, redactor, lines: profile.listFormat == .jsonLines), response)
        } catch {
            throw ProviderError(.decode, "source \"\(source.name)\": list answer is \(error.message)")
        }
    }
}
