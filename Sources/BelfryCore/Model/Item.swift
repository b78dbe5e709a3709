/// One notification, normalised from any provider. Its key outside the agent is `SOURCE:ID`.
public struct Item: Sendable, Equatable, Codable {
    public var source: String
    public var id: String
    public var type: String
    public var title: String
    public var body: String
    /// Absolute after resolving against the source's web_url; nil when the item has none.
    public var link: String?
    /// Seconds since the epoch.
    public var createdAt: Double?
    public var isRead: Bool
    public var urgency: Urgency
    /// Occurrences of a coalescing item (taskrunner); nil elsewhere.
    public var count: Int?
    public var updatedAt: Double?
    /// An API URL whose answer names the web page (`fields.link_api`); looked up on click only.
    public var linkAPI: String?
    /// The item's revision as the service counts it: a later one on a known id is new activity (a new
    /// comment on a thread read before). From the profile's `fields.revision` when it names one, else
    /// `updatedAt` in whole seconds, else `count`; nil when the service gives none. Only ever compared
    /// with the same item's earlier revision, never with the local clock.
    public var revision: Int64?

    public init(source: String, id: String, type: String = "", title: String, body: String = "", link: String? = nil,
                createdAt: Double? = nil, isRead: Bool = false, urgency: Urgency = .normal, count: Int? = nil,
                updatedAt: Double? = nil, linkAPI: String? = nil, revision: Int64? = nil) {
        self.source = source
        self.id = id
        self.type = type
        self.title = title
        self.body = body
        self.link = link
        self.createdAt = createdAt
        self.isRead = isRead
        self.urgency = urgency
        self.count = count
        self.updatedAt = updatedAt
        self.linkAPI = linkAPI
        self.revision = revision ?? Self.revision(updatedAt: updatedAt, count: count)
    }

    /// The default revision: `updatedAt` in whole seconds, else `count`.
    public static func revision(updatedAt: Double?, count: Int?) -> Int64? {
        if let u = updatedAt, u.isFinite, abs(u) < 9e15 { return Int64(u.rounded(.down)) }
        return count.map(Int64.init)
    }

    public var key: String { "\(source):\(id)" }

    /// Splits `SOURCE:ID` at the first colon (ids may contain colons, e.g. aira's `action:…`).
    public static func splitKey(_ key: String) -> (source: String, id: String)? {
        guard let i = key.firstIndex(of: ":"), i != key.startIndex, key.index(after: i) != key.endIndex else { return nil }
        return (String(key[..<i]), String(key[key.index(after: i)...]))
    }
}
