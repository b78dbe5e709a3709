import FoundationEssentials

/// The scheme, host and port of a URL: where a request may carry a source's token.
public struct Origin: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int

    /// nil unless `url` is absolute http(s) with a host. The port defaults to the scheme's.
    public init?(url: String) {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = u.host, !host.isEmpty else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = u.port ?? (scheme == "https" ? 443 : 80)
    }

    public var description: String {
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
    }
}

extension SourceConfig {
    /// Every origin this source's token may be sent to: base_url's, and the absolute endpoint URLs its
    /// profile names (`stream.url`). Redirects and link lookups ask here before sending the token.
    public var trustedOrigins: [Origin] {
        var out: [Origin] = []
        for url in [baseURL, profile.stream?.endpoint.url].compactMap({ $0 }) {
            if let o = Origin(url: url), !out.contains(o) { out.append(o) }
        }
        return out
    }

    /// True when `url` is on one of `trustedOrigins`.
    public func trusts(_ url: String) -> Bool {
        guard let o = Origin(url: url) else { return false }
        return trustedOrigins.contains(o)
    }
}
