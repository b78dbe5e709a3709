import FoundationEssentials

/// Speaks one source's provider API through its profile: list unread (paging as far as needed),
/// mark read, mark all read, unread count. Pure request building and response reading over an
/// `HTTPTransport`; no retries (the feed loop and the outbox own retry policy).
///
/// Everything the service answers passes a `SecretRedactor` first (header values as they arrive, the
/// body as it is parsed), so a service that echoes the token puts it in no item, error or message.
public struct ProviderClient: Sendable {
    public var source: SourceConfig
    public var transport: any HTTPTransport
    public var token: String?
    public var timeout: Duration
    public var now: @Sendable () -> Double
    /// The first page's validators from the last listing: sent as If-None-Match / If-Modified-Since.
    public var validators: ListValidators?

    public init(source: SourceConfig, transport: any HTTPTransport, token: String?, timeout: Duration = .seconds(30),
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.source = source
        self.transport = transport
        self.token = token
        self.timeout = timeout
        self.now = now
    }

    var profile: ProviderProfile { source.profile }
    var extractor: ItemExtractor { ItemExtractor(source: source) }

    /// What one listing found, and the service's own time when it answered (its `Date` header, nil
    /// when it sent none): item times come from the service's clock, so their age is measured on it.
    public struct Listing: Sendable {
        public var items: [Item]
        public var serviceTime: Double?
        /// A note for each listed element that could not be read as an item (and was dropped alone).
        public var skipped: [String] = []
        /// The first page's head: 304 (then `items` is empty and means nothing), validators, poll floor.
        public var head = ListHead()
        /// False when `max_pages` cut the listing while the service said there was more: what is
        /// missing from it was not read elsewhere.
        public var complete = true
        /// The service's count of the whole listing (`total_header`, `total`, or the unread counter
        /// when the listing was cut), nil when it gives none.
        public var total: Int?
    }

    /// Every unread item the service lists now, newest first as the service orders them.
    public func listUnread() async throws(ProviderError) -> [Item] {
        try await listing().items
    }

    /// `listUnread()` with the service's time of the last page, whether the listing is complete, and
    /// the service's total. Paging lives in `ListingPager` (issue 15).
    public func listing() async throws(ProviderError) -> Listing {
        var head = ListHead()
        var listing = try await ListingPager(client: self).run(head: &head)
        listing.head = head
        return listing
    }

    /// Marks `ids` read on the service. Returns normally when every id is done (including "already read").
    public func markRead(ids: [String]) async throws(ProviderError) {
        guard let mr = profile.markRead else {
            throw ProviderError(.unsupported, "source \"\(source.name)\": the \(source.preset) profile has no mark-read endpoint")
        }
        if mr.batch > 0 {
            var start = 0
            while start < ids.count {
                let chunk = Array(ids[start..<min(ids.count, start + mr.batch)])
                let body = try renderBody(mr.endpoint, ids: chunk, bodyKey: mr.bodyKey)
                _ = try await send(mr.endpoint, id: nil, query: mr.endpoint.query, body: body,
                                   what: "mark-read", done: mr.doneStatuses)
                start += mr.batch
            }
        } else {
            for id in ids {
                let body = try mr.endpoint.body == nil ? nil : renderBody(mr.endpoint, ids: [id], bodyKey: nil)
                _ = try await send(mr.endpoint, id: id, query: mr.endpoint.query, body: body, what: "mark-read", done: mr.doneStatuses)
            }
        }
    }

    /// Marks everything read. `newestID` (the newest item seen) fills a body's `{last_id}` (markers).
    public func markAllRead(newestID: String? = nil) async throws(ProviderError) {
        guard let ep = profile.markAllRead else {
            throw ProviderError(.unsupported, "source \"\(source.name)\": the \(source.preset) profile has no mark-all-read endpoint")
        }
        let scoped = ep.query.merging(source.query) { _, user in user }
        var body: [UInt8]?
        if let template = ep.body {
            if template.needsIDs, newestID == nil {
                throw ProviderError(.unsupported, "source \"\(source.name)\": mark-all-read needs the newest item id ({last_id}) and none is known yet")
            }
            body = try renderBody(ep, ids: newestID.map { [$0] } ?? [], bodyKey: nil)
        }
        _ = try await send(ep, id: nil, query: scoped, body: body, what: "mark-all-read", done: [])
    }

    public func unreadCount() async throws(ProviderError) -> Int {
        guard let ep = profile.unreadCount else {
            return try await listUnread().filter { !$0.isRead }.count
        }
        let (json, _) = try await sendJSON(ep, id: nil, query: ep.query.merging(source.query) { _, u in u }, body: nil, what: "unread-count")
        guard let n = json[path: profile.unreadCountField]?.int else {
            throw ProviderError(.decode, "source \"\(source.name)\": unread-count answer has no number at \"\(profile.unreadCountField)\"")
        }
        return n
    }

    /// The request for `endpoint`, with auth. Exposed for the stream client and tests.
    public func request(_ endpoint: ProviderProfile.Endpoint, id: String?, query: [String: String], body: [UInt8]?) -> HTTPRequest {
        RequestBuilder(source: source, token: token, timeout: timeout)
            .request(endpoint, id: id, query: query, body: body, contentType: endpoint.body?.contentType ?? "application/json")
    }

    private func sendJSON(_ ep: ProviderProfile.Endpoint, id: String?, query: [String: String], body: [UInt8]?,
                          what: String) async throws(ProviderError) -> (JSONValue, serviceTime: Double?) {
        let (response, redactor) = try await send(ep, id: id, query: query, body: body, what: what, done: [])
        do {
            return (try Self.parse(response, redactor), Self.serviceTime(of: response))
        } catch {
            throw ProviderError(.decode, "source \"\(source.name)\": \(what) answer is \(error.message)")
        }
    }

    /// The service's JSON answer, with this request's secrets taken out of every string.
    static func parse(_ response: HTTPResponse, _ redactor: SecretRedactor, lines: Bool = false) throws(JSONValue.ParseError) -> JSONValue {
        let json: JSONValue
        if lines { json = try JSONLines.parse(response.body) } else { json = try JSONValue.parse(response.body) }
        return redactor.redact(json)
    }

    /// Sends one request; a 2xx (or a `done` status) comes back with its header values already redacted,
    /// and the redactor for reading its body. Every other outcome is a `ProviderError` whose message
    /// holds no secret.
    func send(_ ep: ProviderProfile.Endpoint, id: String?, query: [String: String], body: [UInt8]?, what: String,
              done: [Int], headers: [HTTPHeader] = []) async throws(ProviderError) -> (HTTPResponse, SecretRedactor) {
        var request = request(ep, id: id, query: query, body: body)
        request.headers += headers
        let redactor = SecretRedactor(request.secrets)
        var response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch let e as HTTPError {
            throw ProviderError(.transport(e.code), "source \"\(source.name)\": \(what) failed: \(redactor.redact(e.message))")
        } catch {
            throw ProviderError(.transport(.other), "source \"\(source.name)\": \(what) failed: \(redactor.redact("\(error)"))")
        }
        response.headers = redactor.redact(response.headers)
        if (200..<300).contains(response.status) || done.contains(response.status) { return (response, redactor) }
        let detail = errorDetail(response, redactor)
        switch response.status {
        case 401, 403, 429, 503:
            // A rate limit (403/429 with x-ratelimit-remaining: 0, Retry-After or a "rate limit" message)
            // is not a refused token: it waits for the reset the service names (RateLimit).
            let limit = RateLimit.classify(response, detail: detail + " " + String(decoding: response.body.prefix(2000), as: UTF8.self), now: now())
            if limit.isRateLimit {
                throw ProviderError(.rateLimited(retryAfter: limit.wait), "source \"\(source.name)\": \(what) answered \(response.status)\(detail)")
            }
            throw ProviderError(.auth, "source \"\(source.name)\": the service refused the token (\(response.status)\(detail)); fix the token, then run `belfry reload`")
        default:
            throw ProviderError(.http(status: response.status), "source \"\(source.name)\": \(what) answered \(response.status)\(detail)")
        }
    }

    /// The service's time from its `Date` header (RFC 9110 §6.6.1), nil when absent or malformed.
    static func serviceTime(of response: HTTPResponse) -> Double? {
        response.header("Date").flatMap(RetryAfter.httpDate)
    }

    /// A short human reason from an error body (problem+json `detail`/`title`, `{"error":{…}}`, …),
    /// secrets redacted.
    func errorDetail(_ response: HTTPResponse, _ redactor: SecretRedactor) -> String {
        guard let json = try? Self.parse(response, redactor) else { return "" }
        for path in profile.errorMessage {
            if let text = json[path: path]?.text, !text.isEmpty { return ": " + String(text.prefix(200)) }
        }
        return ""
    }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%\(hex[Int(b >> 4)])\(hex[Int(b & 15)])"
            }
        }
        return out
    }
}
