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
        try await ListingPager(client: self).run()
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
                let body: JSONValue = .object([mr.bodyKey: .array(chunk.map { .string($0) })])
                _ = try await send(mr.endpoint, id: nil, query: mr.endpoint.query, body: Array(body.serialized().utf8),
                                   what: "mark-read", done: mr.doneStatuses)
                start += mr.batch
            }
        } else {
            for id in ids {
                _ = try await send(mr.endpoint, id: id, query: mr.endpoint.query, body: nil, what: "mark-read", done: mr.doneStatuses)
            }
        }
    }

    public func markAllRead() async throws(ProviderError) {
        guard let ep = profile.markAllRead else {
            throw ProviderError(.unsupported, "source \"\(source.name)\": the \(source.preset) profile has no mark-all-read endpoint")
        }
        let scoped = ep.query.merging(source.query) { _, user in user }
        _ = try await send(ep, id: nil, query: scoped, body: nil, what: "mark-all-read", done: [])
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
        var path = endpoint.path
        if let id { path = path.replacingAll("{id}", with: Self.percentEncode(id)) }
        var url = source.baseURL + path
        if !query.isEmpty {
            url += (url.utf8.contains(UInt8(ascii: "?")) ? "&" : "?")
                + query.keys.sorted().map { "\(Self.percentEncode($0))=\(Self.percentEncode(query[$0]!))" }.joined(separator: "&")
        }
        var headers = [HTTPHeader("Accept", "application/json")]
        var secrets: [String] = []
        if let token, !token.isEmpty {
            let value = profile.authScheme.isEmpty ? token : "\(profile.authScheme) \(token)"
            headers.append(HTTPHeader(profile.authHeader, value))
            secrets = [token, value]
        }
        if body != nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
        return HTTPRequest(method: endpoint.method, url: url, headers: headers, body: body, timeout: timeout,
                           security: HTTPSecurity(caFile: source.caFile), secrets: secrets)
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
    static func parse(_ response: HTTPResponse, _ redactor: SecretRedactor) throws(JSONValue.ParseError) -> JSONValue {
        redactor.redact(try JSONValue.parse(response.body))
    }

    /// Sends one request; a 2xx (or a `done` status) comes back with its header values already redacted,
    /// and the redactor for reading its body. Every other outcome is a `ProviderError` whose message
    /// holds no secret.
    func send(_ ep: ProviderProfile.Endpoint, id: String?, query: [String: String], body: [UInt8]?, what: String,
                      done: [Int]) async throws(ProviderError) -> (HTTPResponse, SecretRedactor) {
        let request = request(ep, id: id, query: query, body: body)
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
        case 401, 403:
            throw ProviderError(.auth, "source \"\(source.name)\": the service refused the token (\(response.status)\(detail)); fix the token, then run `belfry reload`")
        case 429, 503:
            // A Retry-After date is read against the service's own clock when it says what time it is,
            // so a local clock that is wrong or jumps does not stretch or cut the wait.
            let reference = Self.serviceTime(of: response) ?? now()
            let ra = response.header("Retry-After").flatMap { RetryAfter.parse($0, now: Date(timeIntervalSince1970: reference)) }
            throw ProviderError(.rateLimited(retryAfter: ra), "source \"\(source.name)\": \(what) answered \(response.status)\(detail)")
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
