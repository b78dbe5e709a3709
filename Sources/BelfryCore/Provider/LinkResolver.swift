/// Turns an item's API link (`fields.link_api`, e.g. GitHub's `subject.latest_comment_url`) into the
/// web page to open, on click only (a popup never waits for it):
///
/// 1. GET the API URL with the source's auth, and take the web link at `fields.link_api_html`;
/// 2. else (no answer, an error, no link in it) the item's `link`, which extraction already set to the
///    `link_rewrite` of the API URL when a rewrite matched, or to the static `fields.link`.
///
/// The token goes only to an origin the source trusts (`SourceConfig.trustedOrigins`); an API URL on
/// another origin is not fetched at all.
public struct LinkResolver: Sendable {
    public var client: ProviderClient
    /// A click waits at most this long for the lookup.
    public var timeout: Duration

    public init(client: ProviderClient, timeout: Duration = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    /// The web page for `item`: its looked-up link, else its `link` (nil when it has neither).
    public func webLink(for item: Item) async -> String? {
        guard let api = item.linkAPI, let found = try? await lookUp(api) else { return item.link }
        return found
    }

    /// The web link named by the answer of `api`. Throws a `ProviderError` saying why not.
    public func lookUp(_ api: String) async throws(ProviderError) -> String {
        let source = client.source
        guard source.trusts(api) else {
            throw ProviderError(.unsupported, "source \"\(source.name)\": \(api) is not on a trusted origin (\(source.trustedOrigins.map(\.description).joined(separator: ", "))); not sending the token there")
        }
        let builder = RequestBuilder(source: source, token: client.token, timeout: timeout)
        let (auth, secrets) = builder.authHeaders()
        let request = HTTPRequest(method: "GET", url: api, headers: [HTTPHeader("Accept", "application/json")] + auth,
                                  timeout: timeout, security: HTTPSecurity(caFile: source.caFile), secrets: secrets)
        let redactor = SecretRedactor(secrets)
        let response: HTTPResponse
        do { response = try await client.transport.send(request) } catch {
            throw ProviderError(.transport(.other), "source \"\(source.name)\": link lookup failed: \(redactor.redact("\(error)"))")
        }
        guard (200..<300).contains(response.status) else {
            throw ProviderError(.http(status: response.status), "source \"\(source.name)\": link lookup answered \(response.status)")
        }
        let path = source.profile.fields.linkAPIHTML
        guard let json = try? ProviderClient.parse(response, redactor), let link = json[path: path]?.text,
              HTTPOrigin(url: link) != nil else {
            throw ProviderError(.decode, "source \"\(source.name)\": link lookup answer has no http(s) link at \"\(path)\"")
        }
        return link
    }

    /// An item's API link made absolute (root-relative ones against base_url's origin); nil unless http(s).
    static func apiURL(_ text: String, source: SourceConfig) -> String? {
        if HTTPOrigin(url: text) != nil { return text }
        guard text.hasPrefix("/"), !text.hasPrefix("//"), let origin = HTTPOrigin(url: source.baseURL) else { return nil }
        return origin.description + text
    }

    /// `url` with each rewrite applied (every occurrence, longest `from` first); nil when none matched or
    /// the result is not http(s).
    static func rewrite(_ url: String, _ rules: [ProviderProfile.LinkRewrite]) -> String? {
        var out = url
        var matched = false
        for rule in rules where out.firstRange(of: rule.from) != nil {
            out = out.replacingAll(rule.from, with: rule.to)
            matched = true
        }
        return matched && HTTPOrigin(url: out) != nil ? out : nil
    }
}
