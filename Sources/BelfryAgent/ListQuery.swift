import BelfryControl
import BelfryCore

/// One page of `list` (docs/control.md): unread items newest first, at most `limit` of them,
/// starting after a cursor, so a status bar never pulls the whole inbox.
public struct ListQuery: Sendable, Equatable {
    /// Where a page ends: the sort position of its last item. Items are ordered by creation time,
    /// then key, newest first; the cursor holds both, so it still works when that item was read
    /// meanwhile, and items that arrive between two pages never shift the next one (as an offset would).
    public struct Cursor: Sendable, Equatable {
        public var createdAt: Double
        public var key: String

        /// The `next` string of an answer: `CREATED/KEY`, e.g. `1800000000.5/work:ntf_1`. Opaque to
        /// clients: they only hand it back as `after`.
        public var text: String { "\(createdAt)/\(key)" }

        public init(createdAt: Double, key: String) {
            self.createdAt = createdAt
            self.key = key
        }

        /// Reads a `next` string back; nil when it is not one.
        public init?(text: String) {
            guard let slash = text.firstIndex(of: "/"), let t = Double(text[..<slash]), t.isFinite else { return nil }
            let key = String(text[text.index(after: slash)...])
            guard Item.splitKey(key) != nil else { return nil }
            self.init(createdAt: t, key: key)
        }
    }

    /// The most items one answer holds when `limit` is not given: none (every unread item).
    public var limit: Int?
    public var after: Cursor?
    public var source: String?

    public init(limit: Int? = nil, after: Cursor? = nil, source: String? = nil) {
        self.limit = limit
        self.after = after
        self.source = source
    }

    /// Reads `limit` and `after` from the params (`source` is checked by the caller against the
    /// configured sources). Bad values are -32602 naming the param and what it takes.
    public static func parse(_ p: [String: JSONValue], source: String?) throws(ControlError) -> ListQuery {
        var query = ListQuery(source: source)
        if let v = p["limit"], v != .null {
            guard let n = v.int, n >= 1 else {
                throw .invalidParams("limit must be a whole number of at least 1, not \(v.serialized())")
            }
            query.limit = n
        }
        if let v = p["after"], v != .null {
            guard let text = v.string, let cursor = Cursor(text: text) else {
                throw .invalidParams("after must be the \"next\" string of an earlier list answer, not \(v.serialized())")
            }
            query.after = cursor
        }
        return query
    }
}
