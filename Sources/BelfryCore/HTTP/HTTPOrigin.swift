/// The origin of a URL (RFC 6454): scheme, host and port. Credentials are sent only to origins a
/// source trusts; a redirect to any other origin goes without them.
public struct HTTPOrigin: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int

    /// The origin of an absolute `http(s)://` URL; nil for anything else.
    public init?(url: String) {
        guard let sep = url.range(of: "://") else { return nil }
        let scheme = url[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = url[sep.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        var host = Substring(rest)
        var port = scheme == "https" ? 443 : 80
        if host.hasPrefix("[") {
            // An IPv6 literal: "[::1]" or "[::1]:8080".
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()) else { return nil }
                port = p
            }
            host = host[...close]
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = host[..<colon]
        }
        guard !host.isEmpty else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
    }

    /// `scheme://host:port`, the default port left out.
    public var description: String {
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
    }

    /// `location` (a redirect's `Location`) made absolute against `base`: absolute URLs as they are,
    /// `//host/...` with base's scheme, `/path` on base's origin, anything else beside base's path.
    public static func resolve(_ location: String, against base: String) -> String? {
        let location = location.trimmingWhitespace()
        guard !location.isEmpty else { return nil }
        if HTTPOrigin(url: location) != nil { return location }
        guard let origin = HTTPOrigin(url: base) else { return nil }
        if location.hasPrefix("//") { return origin.scheme + ":" + location }
        if location.hasPrefix("/") { return origin.description + location }
        // Relative to base's folder.
        var path = base
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<q]) }
        let afterScheme = path.range(of: "://")!.upperBound
        guard let slash = path[afterScheme...].lastIndex(of: "/") else { return origin.description + "/" + location }
        return String(path[...slash]) + location
    }
}

