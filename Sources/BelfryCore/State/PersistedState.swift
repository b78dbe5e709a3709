/// What survives a restart: seen item ids and cursors per source, and user actions not yet delivered.
/// Versioned; compact keys because it holds up to `max_seen` records per source.
public struct PersistedState: Sendable, Codable, Equatable {
    /// The state file format this build writes, and the newest it reads. A file without a version is
    /// format 1; a newer one is refused and left as it is (`StateFile.load`). Raise it only with a
    /// conversion of the older formats in `StateCodec.decode`, and a fixture of the old file in the tests.
    public static let currentVersion = 1

    public var version: Int
    public var sources: [String: SourceState]
    public var outbox: [PendingAction]

    public init(version: Int = PersistedState.currentVersion, sources: [String: SourceState] = [:], outbox: [PendingAction] = []) {
        self.version = version
        self.sources = sources
        self.outbox = outbox
    }
}

public struct SourceState: Sendable, Codable, Equatable {
    /// False until the first complete listing was recorded (the first_run policy applies to it).
    public var initialized: Bool
    public var seen: [String: SeenRecord]
    /// The last SSE event id, sent as Last-Event-ID when the stream reconnects.
    public var lastEventID: String?
    /// The listing's first-page ETag / Last-Modified, sent back so an unchanged feed answers 304.
    /// Absent in state files written before it existed.
    public var validators: ListValidators?

    public init(initialized: Bool = false, seen: [String: SeenRecord] = [:], lastEventID: String? = nil,
                validators: ListValidators? = nil) {
        self.initialized = initialized
        self.seen = seen
        self.lastEventID = lastEventID
        self.validators = validators
    }

    enum CodingKeys: String, CodingKey {
        case initialized = "init", seen, lastEventID = "last_event_id", validators = "cond"
    }
}

public struct SeenRecord: Sendable, Codable, Equatable {
    /// First seen, seconds since the epoch.
    public var firstSeen: Double
    /// Last coalescing count shown (nil for feeds that do not coalesce).
    public var count: Int?
    /// Known read (by the user through Belfry, or reported read by the service).
    public var read: Bool
    /// The item's last revision recorded (`Item.revision`); nil = unknown (a state from before
    /// revisions, or a journaled pop): the next one listed is adopted silently.
    public var revision: Int64?

    public init(firstSeen: Double, count: Int? = nil, read: Bool = false, revision: Int64? = nil) {
        self.firstSeen = firstSeen
        self.count = count
        self.read = read
        self.revision = revision
    }

    enum CodingKeys: String, CodingKey { case firstSeen = "t", count = "c", read = "r", revision = "v" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        firstSeen = try c.decode(Double.self, forKey: .firstSeen)
        count = try c.decodeIfPresent(Int.self, forKey: .count)
        read = try c.decodeIfPresent(Bool.self, forKey: .read) ?? false
        revision = try c.decodeIfPresent(Int64.self, forKey: .revision)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(firstSeen.rounded(), forKey: .firstSeen)
        try c.encodeIfPresent(count, forKey: .count)
        if read { try c.encode(true, forKey: .read) }
        try c.encodeIfPresent(revision, forKey: .revision)
    }
}

/// A user action that must reach the service; kept until it lands.
public struct PendingAction: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case markRead = "mark_read", markAllRead = "mark_all_read" }
    public var id: Int
    public var source: String
    public var kind: Kind
    public var ids: [String]
    public var attempts: Int
    /// Seconds since the epoch before which it is not retried.
    public var notBefore: Double
    public var lastError: String?

    public init(id: Int, source: String, kind: Kind, ids: [String], attempts: Int = 0, notBefore: Double = 0, lastError: String? = nil) {
        self.id = id
        self.source = source
        self.kind = kind
        self.ids = ids
        self.attempts = attempts
        self.notBefore = notBefore
        self.lastError = lastError
    }
}
