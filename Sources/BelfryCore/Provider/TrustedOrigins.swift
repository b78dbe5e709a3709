/// Where a source's token may go (see `HTTPOrigin`).
extension SourceConfig {
    /// Every origin this source's token may be sent to: base_url's, and the absolute endpoint URLs its
    /// profile names (`stream.url`). Redirects and link lookups ask here before sending the token.
    public var trustedOrigins: [HTTPOrigin] {
        var out: [HTTPOrigin] = []
        for url in [baseURL, profile.stream?.endpoint.url].compactMap({ $0 }) {
            if let o = HTTPOrigin(url: url), !out.contains(o) { out.append(o) }
        }
        return out
    }

    /// True when `url` is on one of `trustedOrigins`.
    public func trusts(_ url: String) -> Bool {
        guard let o = HTTPOrigin(url: url) else { return false }
        return trustedOrigins.contains(o)
    }
}
