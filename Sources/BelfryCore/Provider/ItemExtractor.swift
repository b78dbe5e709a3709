import FoundationEssentials

/// Reads Items out of one provider response through a profile's field paths.
public struct ItemExtractor: Sendable {
    public let source: SourceConfig
    /// `web_url` parsed once (as written, and with a trailing slash) for resolving relative links.
    private let base: URL?
    private let baseWithSlash: URL?

    public init(source: SourceConfig) {
        self.source = source
        base = URL(string: source.webURL)
        baseWithSlash = source.webURL.hasSuffix("/") ? base : URL(string: source.webURL + "/")
    }

    /// The items of a list response, plus a note for each element that had to be skipped.
    public func items(in response: JSONValue) -> (items: [Item], skipped: [String]) {
        guard let array = response[path: source.profile.items]?.array else {
            return ([], ["the response has no array at \"\(source.profile.items)\""])
        }
        var items: [Item] = []
        var skipped: [String] = []
        items.reserveCapacity(array.count)
        for (i, element) in array.enumerated() {
            if let item = item(from: element) { items.append(item) } else {
                skipped.append("item \(i) has no id at \(source.profile.fields.id.joined(separator: " | "))")
            }
        }
        return (items, skipped)
    }

    /// One item from its JSON; nil without an id.
    public func item(from json: JSONValue) -> Item? {
        let f = source.profile.fields
        guard let id = Self.first(f.id, in: json), !id.isEmpty else { return nil }
        let type = Self.first(f.type, in: json) ?? ""
        var isRead = false
        if !f.isRead.isEmpty { isRead = f.isRead.contains { json[path: $0]?.bool == true } }
        if !f.isUnread.isEmpty { isRead = isRead || f.isUnread.contains { json[path: $0]?.bool == false } }
        if !f.readAt.isEmpty {
            isRead = isRead || f.readAt.contains { p in json[path: p].map { !$0.isNull && $0.text?.isEmpty == false } ?? false }
        }
        var urgency = Urgency.normal
        if let sev = Self.first(f.severity, in: json), let name = source.profile.severity[sev], let u = Urgency(name: name) {
            urgency = u
        }
        if let u = source.urgency[type] { urgency = u }
        let title = Self.first(f.title, in: json).flatMap { $0.isEmpty ? nil : $0 }
        return Item(
            source: source.name, id: id, type: type,
            title: title ?? "New notification from \(source.name)",
            body: Self.first(f.body, in: json).map { source.profile.bodyIsHTML ? HTMLText.plain($0) : $0 } ?? "",
            link: Self.first(f.link, in: json).flatMap { resolve(link: $0) },
            createdAt: Self.first(f.createdAt, in: json).flatMap(Timestamp.parse),
            isRead: isRead, urgency: urgency,
            count: Self.first(f.count, in: json).flatMap { Int($0) },
            updatedAt: Self.first(f.updatedAt, in: json).flatMap(Timestamp.parse))
    }

    /// The first candidate that yields a non-empty text: a path, or a template whose `{path}`s all resolve.
    static func first(_ candidates: [String], in json: JSONValue) -> String? {
        for c in candidates {
            if c.utf8.contains(UInt8(ascii: "{")) {  // not String.contains: Foundation's, slow on the hot path
                if let s = render(template: c, json), !s.isEmpty { return s }
            } else if let s = json[path: c]?.text, !s.isEmpty {
                return s
            }
        }
        return nil
    }

    static func render(template: String, _ json: JSONValue) -> String? {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { return nil }
            let path = String(rest[rest.index(after: open)..<close])
            guard let value = json[path: path]?.text, !value.isEmpty else { return nil }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Resolves a (possibly relative) deep link against web_url; nil unless the result is http(s).
    public func resolve(link: String) -> String? {
        let trimmed = link.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        guard let base = trimmed.hasPrefix("/") ? base : baseWithSlash,
              let url = URL(string: trimmed, relativeTo: base)?.absoluteURL,
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
        else { return nil }
        return url.absoluteString
    }
}
