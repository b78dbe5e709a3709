/// Builds the HTTP request for one profile endpoint: the URL (base_url + path, or the endpoint's
/// absolute `url`), the query (single and repeated keys), the auth headers and the secrets the
/// request carries (`HTTPRequest.secrets`: the token and every header value that holds it).
struct RequestBuilder: Sendable {
    var source: SourceConfig
    var token: String?
    var timeout: Duration

    var profile: ProviderProfile { source.profile }

    /// `query` is what the caller merged (profile and source keys); repeated keys come from the endpoint
    /// and, for every endpoint but mark_read (as for `source.query`), from the source.
    func request(_ endpoint: ProviderProfile.Endpoint, id: String?, query: [String: String], body: [UInt8]?,
                 contentType: String = "application/json") -> HTTPRequest {
        var path = endpoint.path
        if let id { path = path.replacingAll("{id}", with: ProviderClient.percentEncode(id)) }
        var url = endpoint.url ?? (source.baseURL + path)
        var repeated = endpoint.repeatedQuery
        if endpoint != profile.markRead?.endpoint {
            repeated.merge(source.repeatedQuery) { _, user in user }
        }
        let pairs = Self.queryPairs(query, repeated)
        if !pairs.isEmpty {
            url += (url.utf8.contains(UInt8(ascii: "?")) ? "&" : "?")
                + pairs.map { "\(ProviderClient.percentEncode($0.0))=\(ProviderClient.percentEncode($0.1))" }.joined(separator: "&")
        }
        var headers = [HTTPHeader("Accept", "application/json")]
        let (auth, secrets) = authHeaders()
        headers += auth
        if body != nil { headers.append(HTTPHeader("Content-Type", contentType)) }
        return HTTPRequest(method: endpoint.method, url: url, headers: headers, body: body, timeout: timeout,
                           security: HTTPSecurity(caFile: source.caFile), secrets: secrets)
    }

    /// Single keys (a key also given as repeated is sent repeated only), then repeated keys, sorted by key.
    static func queryPairs(_ single: [String: String], _ repeated: [String: [String]]) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for key in Set(single.keys).union(repeated.keys).sorted() {
            if let values = repeated[key] {
                pairs += values.map { (key, $0) }
            } else if let value = single[key] {
                pairs.append((key, value))
            }
        }
        return pairs
    }

    /// The auth headers and the secrets among them. `auth_headers` values holding `{token}` carry the
    /// token (and are left out when there is none); when one does, the `auth_header` shorthand is not sent.
    func authHeaders() -> ([HTTPHeader], [String]) {
        var headers: [HTTPHeader] = []
        var secrets: [String] = []
        let hasToken = token.map { !$0.isEmpty } ?? false
        var templated = false
        for name in profile.authHeaders.keys.sorted() {
            let template = profile.authHeaders[name]!
            guard template.firstRange(of: "{token}") != nil else {
                headers.append(HTTPHeader(name, template))
                continue
            }
            templated = true
            guard hasToken, let token else { continue }
            let value = template.replacingAll("{token}", with: token)
            headers.append(HTTPHeader(name, value))
            secrets.append(value)
        }
        if hasToken, let token {
            if !templated {
                let value = profile.authScheme.isEmpty ? token : "\(profile.authScheme) \(token)"
                headers.append(HTTPHeader(profile.authHeader, value))
                secrets.append(value)
            }
            secrets.insert(token, at: 0)
        }
        return (headers, secrets)
    }
}
