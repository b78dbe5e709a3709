import FoundationEssentials

/// Reads Items out of one provider response through a profile's field paths.
///
/// Everything that depends only on the profile is worked out once, in `init`: the field candidates
/// (path or template) are parsed, and `web_url` is parsed for resolving links. Per item that left
/// only lookups; the item path was ~60 µs per streamed event before (re-scanning templates and
/// parsing every root-relative link with Foundation's URL).
public struct ItemExtractor: Sendable {
    public let source: SourceConfig
    /// `web_url` parsed once (as written, and with a trailing slash) for resolving relative links.
    private let base: URL?
    private let baseWithSlash: URL?
    /// `scheme://authority` of `web_url` (what a root-relative link resolves onto), when it is http(s).
    private let origin: String?
    private let fields: CompiledFields

    /// A profile's field candidates, each parsed once.
    private struct CompiledFields: Sendable {
        var id, type, title, body, link, createdAt, severity, count, updatedAt, linkAPI, revision: [FieldCandidate]
        var isRead, isUnread, readAt: [FieldPath]

        init(_ f: ProviderProfile.Fields) {
            id = f.id.map(FieldCandidate.init)
            type = f.type.map(FieldCandidate.init)
            title = f.title.map(FieldCandidate.init)
            body = f.body.map(FieldCandidate.init)
            link = f.link.map(FieldCandidate.init)
            createdAt = f.createdAt.map(FieldCandidate.init)
            severity = f.severity.map(FieldCandidate.init)
            count = f.count.map(FieldCandidate.init)
            updatedAt = f.updatedAt.map(FieldCandidate.init)
            linkAPI = f.linkAPI.map(FieldCandidate.init)
            revision = f.revision.map(FieldCandidate.init)
            isRead = f.isRead.map(FieldPath.init)
            isUnread = f.isUnread.map(FieldPath.init)
            readAt = f.readAt.map(FieldPath.init)
        }
    }

    public init(source: SourceConfig) {
        self.source = source
        base = URL(string: source.webURL)
        baseWithSlash = source.webURL.hasSuffix("/") ? base : URL(string: source.webURL + "/")
        fields = CompiledFields(source.profile.fields)
        // What "/" resolves to, without its final slash: every plain root-relative link is this + link.
        if let root = URL(string: "/", relativeTo: base)?.absoluteURL,
           let scheme = root.scheme?.lowercased(), scheme == "http" || scheme == "https", root.host != nil,
           root.absoluteString.hasSuffix("/") {
            origin = String(root.absoluteString.dropLast())
        } else {
            origin = nil
        }
    }

    /// The items of a list response, plus a note for each element that had to be skipped. A note names
    /// the element by its content (not its place, which moves between polls), so it can be reported once.
    public func items(in response: JSONValue) -> (items: [Item], skipped: [String]) {
        guard let array = response[path: source.profile.items]?.array else {
            return ([], ["the response has no array at \"\(source.profile.items)\""])
        }
        var items: [Item] = []
        var skipped: [String] = []
        items.reserveCapacity(array.count)
        for element in array {
            if let item = item(from: element) { items.append(item) } else {
                let shown = PopupComposer.clean(element.serialized(), max: 120)
                skipped.append("dropped a listed element that has no id at \(source.profile.fields.id.joined(separator: " | ")): \(shown)")
            }
        }
        return (items, skipped)
    }

    /// One item from its JSON; nil without an id.
    public func item(from json: JSONValue) -> Item? {
        let f = fields
        guard let id = Self.first(f.id, in: json), !id.isEmpty else { return nil }
        let type = Self.first(f.type, in: json) ?? ""
        var isRead = false
        if !f.isRead.isEmpty { isRead = f.isRead.contains { $0.value(in: json)?.bool == true } }
        if !f.isUnread.isEmpty { isRead = isRead || f.isUnread.contains { $0.value(in: json)?.bool == false } }
        if !f.readAt.isEmpty {
            isRead = isRead || f.readAt.contains { p in p.value(in: json).map { !$0.isNull && $0.text?.isEmpty == false } ?? false }
        }
        var urgency = Urgency.normal
        if let sev = Self.first(f.severity, in: json), let name = source.profile.severity[sev], let u = Urgency(name: name) {
            urgency = u
        }
        if let u = source.urgency[type] { urgency = u }
        let title = Self.first(f.title, in: json).flatMap { $0.isEmpty ? nil : $0 }
        let linkAPI = f.linkAPI.isEmpty ? nil : Self.first(f.linkAPI, in: json).flatMap { LinkResolver.apiURL($0, source: source) }
        let staticLink = Self.first(f.link, in: json).flatMap { resolve(link: $0) }
        return Item(
            source: source.name, id: id, type: type,
            title: title ?? "New notification from \(source.name)",
            body: Self.first(f.body, in: json).map { source.profile.bodyIsHTML ? HTMLText.plain($0) : $0 } ?? "",
            link: linkAPI.flatMap { LinkResolver.rewrite($0, source.profile.fields.linkRewrite) } ?? staticLink,
            createdAt: Self.first(f.createdAt, in: json).flatMap(Timestamp.parse),
            isRead: isRead, urgency: urgency,
            count: Self.first(f.count, in: json).flatMap { Int($0) },
            updatedAt: Self.first(f.updatedAt, in: json).flatMap(Timestamp.parse), linkAPI: linkAPI,
            revision: Self.first(f.revision, in: json).flatMap(Self.revision))
    }

    /// A `fields.revision` value: an integer (a version, a counter) or an RFC 3339 time (whole seconds).
    static func revision(_ text: String) -> Int64? {
        if let n = Int64(text), abs(n) < 1 << 53 { return n }
        return Timestamp.parse(text).flatMap { Item.revision(updatedAt: $0, count: nil) }
    }

    /// The first candidate that yields a non-empty text.
    private static func first(_ candidates: [FieldCandidate], in json: JSONValue) -> String? {
        for c in candidates {
            if let s = c.text(in: json), !s.isEmpty { return s }
        }
        return nil
    }

    /// Resolves a (possibly relative) deep link against web_url; nil unless the result is http(s).
    public func resolve(link: String) -> String? {
        let trimmed = link.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        if let origin, Self.isPlainRootRelative(trimmed) { return origin + trimmed }
        return resolveByParsing(trimmed)
    }

    /// The general case: Foundation's URL resolution (RFC 3986), then the http(s) check.
    func resolveByParsing(_ trimmed: String) -> String? {
        guard let base = trimmed.hasPrefix("/") ? base : baseWithSlash,
              let url = URL(string: trimmed, relativeTo: base)?.absoluteURL,
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
        else { return nil }
        return url.absoluteString
    }

    /// A root-relative link (`/path?query#fragment`) that URL resolution would copy unchanged onto the
    /// origin: not `//host`, no `.`/`..` segment to remove, only characters a URL keeps as they are
    /// (RFC 3986 unreserved, sub-delims, `:@/?`, one `#`, `%` with two hex digits). Anything else
    /// takes the general path.
    static func isPlainRootRelative(_ link: String) -> Bool {
        let slash = UInt8(ascii: "/")
        let utf8 = link.utf8
        guard utf8.first == slash, utf8.dropFirst().first != slash else { return false }  // `//host` is not
        var segment = (dots: 0, other: false)  // the path segment being read
        var inPath = true
        var sawHash = false
        var hexLeft = 0
        func isDotSegment() -> Bool { segment.dots > 0 && segment.dots <= 2 && !segment.other }
        for b in utf8.dropFirst() {
            if hexLeft > 0 {
                guard (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66) else { return false }
                hexLeft -= 1
                continue
            }
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"),
                 UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
                 UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="),
                 UInt8(ascii: ":"), UInt8(ascii: "@"):
                if inPath { segment.other = true }
            case UInt8(ascii: "."):
                if inPath { segment.dots += 1 }
            case UInt8(ascii: "%"):
                hexLeft = 2
                if inPath { segment.other = true }
            case slash:
                if inPath {
                    if isDotSegment() { return false }
                    segment = (0, false)
                }
            case UInt8(ascii: "?"):
                if inPath {
                    if isDotSegment() { return false }
                    inPath = false
                }
            case UInt8(ascii: "#"):
                if sawHash || (inPath && isDotSegment()) { return false }
                sawHash = true
                inPath = false
            default:
                return false  // space, quote, <>, backslash, non-ASCII, control: URL would encode or refuse it
            }
        }
        return hexLeft == 0 && !(inPath && isDotSegment())
    }
}

/// A dotted path into a JSON value (`data.execution_id`, `items.0.id`), split once.
struct FieldPath: Sendable {
    private let parts: [String]  // empty: the value itself

    init(_ path: String) {
        parts = path.isEmpty || path == "." ? [] : path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    func value(in json: JSONValue) -> JSONValue? {
        var current = json
        for part in parts {
            guard let next = current.child(part) else { return nil }
            current = next
        }
        return current
    }
}

/// A profile field candidate, parsed once: a path, or a template of text and `{path}`s whose paths
/// must all give a non-empty text.
struct FieldCandidate: Sendable {
    private enum Part: Sendable {
        case text(String)
        case path(FieldPath)
    }
    /// nil: a template with an unclosed `{`, which never yields a value.
    private let parts: [Part]?
    private let isTemplate: Bool

    init(_ candidate: String) {
        guard candidate.utf8.contains(UInt8(ascii: "{")) else {
            parts = [.path(FieldPath(candidate))]
            isTemplate = false
            return
        }
        isTemplate = true
        var parts: [Part] = []
        var rest = Substring(candidate)
        while let open = rest.utf8.firstIndex(of: UInt8(ascii: "{")) {
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            guard let close = rest[open...].utf8.firstIndex(of: UInt8(ascii: "}")) else {
                self.parts = nil
                return
            }
            parts.append(.path(FieldPath(String(rest[rest.index(after: open)..<close]))))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    func text(in json: JSONValue) -> String? {
        guard let parts else { return nil }
        if !isTemplate, case .path(let p)? = parts.first { return p.value(in: json)?.text }
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .path(let p):
                guard let value = p.value(in: json)?.text, !value.isEmpty else { return nil }
                out += value
            }
        }
        return out
    }
}
