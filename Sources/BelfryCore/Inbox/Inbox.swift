/// Dedup and read state for every source: decides, for each listing or streamed item, whether it is new
/// (pop it), an update of a coalescing item (replace its popup), read elsewhere (close its popup), or
/// nothing. Pure: the agent persists `state` when `dirty` and turns outcomes into popups.
public struct Inbox: Sendable {
    public private(set) var state: PersistedState
    /// Unread items as last reported, per source and id, minus what the user read through Belfry.
    public private(set) var unread: [String: [String: Item]] = [:]
    /// Set when `state` changed since `markClean()`.
    public var dirty: Bool { changeCount != cleanAt }
    /// Counts changes to `state`: a save taken at one count is clean up to it (`markClean(asOf:)`).
    public private(set) var changeCount = 0
    private var cleanAt = 0
    public var maxSeen: Int
    /// Per source, the latest `firstSeen` recorded (a floor for the next): see `stamp(_:now:)`.
    private var latestStamp: [String: Double] = [:]
    /// Per source, how many unread items beyond a cut listing were last said (`Outcome.unlisted`).
    private var unlistedSaid: [String: Int] = [:]

    public struct Outcome: Sendable, Equatable {
        /// New unread items that may pop, oldest first, and known ones whose revision moved forward
        /// (new activity: they pop again, replacing a popup still open).
        public var fresh: [Item] = []
        /// Found on a source's first start: handled by the first_run policy.
        public var backlog: [Item] = []
        /// Coalescing items still unread whose count grew (their popup is replaced, never folded).
        public var updated: [Item] = []
        /// Keys known unread that the service now reports read (or no longer lists).
        public var readElsewhere: [String] = []
        /// New items recorded without a popup (too old, filtered by type, or already read).
        public var silent: Int = 0
        /// Unread items the service counts but a cut listing did not reach (new since last said): they
        /// go into the summary as a number, never dropped silently.
        public var unlisted: Int = 0

        public var isEmpty: Bool { fresh.isEmpty && backlog.isEmpty && updated.isEmpty && readElsewhere.isEmpty && unlisted == 0 }
    }

    public init(state: PersistedState, maxSeen: Int = 20000) {
        self.state = state
        self.maxSeen = maxSeen
    }

    public mutating func markClean() { cleanAt = changeCount }
    /// A save of `state` as it was at `count` landed; changes made since keep it dirty.
    public mutating func markClean(asOf count: Int) { cleanAt = count }

    /// True when `source` has recorded its first listing (a stream event before that is backlog too).
    public func isInitialized(_ source: String) -> Bool { state.sources[source]?.initialized ?? false }

    /// Records what a source reported. `complete` means this is the full unread listing (a poll),
    /// so anything unread before and missing now was read elsewhere; a streamed item is not complete.
    /// `cut`: a poll's listing that `max_pages` cut (so not complete); `total`, the service's count of the
    /// whole listing when known. A cut listing still ends a first run, and what it did not reach is `unlisted`.
    /// `now` is the local wall clock (seen records); `serviceNow`, when known, is the service's own
    /// time, against which its items' `createdAt` are aged for `maxAge` (else `now` is).
    public mutating func ingest(_ items: [Item], from source: SourceConfig, complete: Bool, now: Double,
                                maxAge: Duration, serviceNow: Double? = nil, cut: Bool = false, total: Int? = nil) -> Outcome {
        var outcome = Outcome()
        let stamp = stamp(source.name, now: now)
        // Taken out (not copied) so that the writes below do not copy the whole seen map and unread
        // cache on every call (copy-on-write): both are put back at the end.
        var s = state.sources.removeValue(forKey: source.name) ?? SourceState()
        var cache = unread.removeValue(forKey: source.name) ?? [:]
        let firstRun = !s.initialized
        let oldest = (serviceNow ?? now) - maxAge.seconds
        var listedUnread = Set<String>()
        var changed = false

        for item in items.reversed() {  // providers list newest first; pop oldest first
            let wanted = Self.wanted(item, by: source)
            if var rec = s.seen[item.id] {
                let moved = Self.revisionMoved(&rec, to: item.revision)
                if item.isRead {
                    if !rec.read { rec.read = true; changed = true }
                    if cache.removeValue(forKey: item.id) != nil { outcome.readElsewhere.append(item.key) }
                } else if !rec.read, wanted, !moved || cache[item.id] != nil, let c = item.count, c > (rec.count ?? c) {
                    // A coalescing item still unread whose count grew: its popup is updated.
                    listedUnread.insert(item.id)
                    cache[item.id] = item
                    rec.count = c
                    outcome.updated.append(item)
                } else if moved, wanted {
                    // New activity on a known id (read before or not): it pops again, and counts unread.
                    rec.read = false
                    rec.count = item.count ?? rec.count
                    listedUnread.insert(item.id)
                    cache[item.id] = item
                    if let at = item.updatedAt ?? item.createdAt, at < oldest { outcome.silent += 1 } else { outcome.fresh.append(item) }
                } else if !rec.read, wanted {
                    listedUnread.insert(item.id)
                    cache[item.id] = item
                }
                if rec != s.seen[item.id] { s.seen[item.id] = rec; changed = true }
                continue
            }
            s.seen[item.id] = SeenRecord(firstSeen: stamp, count: item.count, read: item.isRead, revision: item.revision)
            latestStamp[source.name] = stamp
            changed = true
            guard !item.isRead, wanted else { outcome.silent += 1; continue }
            listedUnread.insert(item.id)
            cache[item.id] = item
            if firstRun {
                outcome.backlog.append(item)
            } else if let created = item.createdAt, created < oldest {
                outcome.silent += 1
            } else {
                outcome.fresh.append(item)
            }
        }
        if complete {
            if cache.count > listedUnread.count {
                for id in cache.keys where !listedUnread.contains(id) { outcome.readElsewhere.append("\(source.name):\(id)") }
                // A new dictionary sized to what is unread now. Removing in place kept the capacity of
                // the largest backlog ever listed (a Dictionary never shrinks: ~170 bytes per slot,
                // seen in the soak as RSS that rose after every outage), and it copied the whole cache
                // anyway, since it removed while iterating the same dictionary's keys.
                cache = cache.filter { listedUnread.contains($0.key) }
            }
            if firstRun { s.initialized = true; changed = true }
        } else if cut {
            if firstRun { s.initialized = true; changed = true }
            // Unread on the service beyond the cut: its count less every unread item known (listed
            // now, or known from before and not reached). Said once per increase, not per poll.
            let beyond = max(0, (total ?? 0) - cache.count)
            outcome.unlisted = max(0, beyond - (unlistedSaid[source.name] ?? 0))
            unlistedSaid[source.name] = beyond
        }
        if complete { unlistedSaid[source.name] = nil }
        if s.seen.count > maxSeen {
            // Never what is still unread on the service (the cache), listed now, or waiting in the
            // outbox: forgetting one of those made it pop again at the next listing (found by the soak:
            // a streamed item evicted everything not in that one event, so an item whose mark-read had
            // not landed popped once per max_seen items, ten times in a run).
            var pending = Set<String>()
            for action in state.outbox where action.source == source.name { pending.formUnion(action.ids) }
            var forgotten: [String] = []
            // Only when a tenth of the limit can go: with (nearly) everything unread this pass frees
            // nothing, and building its keep-set for every new item cost O(max_seen) each (77/s).
            if s.seen.count - cache.count >= maxSeen / 10 {
                var keep = listedUnread.union(pending)
                keep.formUnion(cache.keys)
                forgotten = Self.evict(&s, keeping: keep, limit: maxSeen)
            }
            // But a feed that never reports reads (a stream) would keep every item unread for ever:
            // past twice the limit, the oldest unread go too, and leave the unread cache with it.
            if s.seen.count > 2 * maxSeen {
                forgotten += Self.evict(&s, keeping: listedUnread.union(pending), limit: 2 * maxSeen)
            }
            for id in forgotten { cache.removeValue(forKey: id) }
            changed = changed || !forgotten.isEmpty
        }
        state.sources[source.name] = s
        unread[source.name] = cache
        if changed { changeCount += 1 }
        return outcome
    }

    /// Records `revision` in `rec`; true when it moved forward (new activity). An unknown recorded
    /// revision (a state from before revisions) adopts the listed one silently; one going back (the
    /// service restored an older copy) is ignored, so each (id, revision) pops at most once.
    static func revisionMoved(_ rec: inout SeenRecord, to revision: Int64?) -> Bool {
        guard let revision, revision != rec.revision else { return false }
        guard let old = rec.revision else { rec.revision = revision; return false }
        guard revision > old else { return false }
        rec.revision = revision
        return true
    }

    /// The `firstSeen` of a record made now: the wall clock, but never earlier than the last one given
    /// for the source, so eviction (oldest first) keeps following the order items came in even after
    /// the wall clock jumped back (else a year-long jump back would evict the newest first).
    /// The floor is read from the records once per source, then kept as records are made.
    private mutating func stamp(_ source: String, now: Double) -> Double {
        if let floor = latestStamp[source] { return max(now, floor) }
        let floor = state.sources[source]?.seen.values.reduce(-Double.infinity) { max($0, $1.firstSeen) } ?? -Double.infinity
        latestStamp[source] = floor
        return max(now, floor)
    }

    /// Type filters of the source: `types` (when set) and `exclude_types`.
    static func wanted(_ item: Item, by source: SourceConfig) -> Bool {
        if !source.types.isEmpty, !source.types.contains(item.type) { return false }
        return !source.excludeTypes.contains(item.type)
    }

    /// Forgets the oldest records first, never one in `keeping`. Items older than max_age never
    /// pop, so a forgotten old item that reappears is recorded silently. It trims to 90 % of `limit`,
    /// so the sort is paid once per tenth of the limit, not once per new item past it.
    /// Forgets the oldest records down to 90 % of `limit` (except `keeping`); returns the ids forgotten.
    @discardableResult
    static func evict(_ s: inout SourceState, keeping: Set<String>, limit: Int) -> [String] {
        guard s.seen.count > limit else { return [] }
        let excess = s.seen.count - (limit - limit / 10)
        let victims = s.seen.filter { !keeping.contains($0.key) }.sorted { $0.value.firstSeen < $1.value.firstSeen }.prefix(excess)
        for (id, _) in victims { s.seen.removeValue(forKey: id) }
        return victims.map(\.key)
    }

    /// The user read `ids` of `source` through Belfry: recorded at once (so they never pop or count again)
    /// and queued for the service when it has a mark-read endpoint. Returns the keys actually changed.
    @discardableResult
    public mutating func markRead(source: SourceConfig, ids: [String], now: Double) -> [String] {
        let stamp = stamp(source.name, now: now)
        var s = state.sources.removeValue(forKey: source.name) ?? SourceState()  // moved, not copied
        var changed: [String] = []
        for id in ids {
            var rec = s.seen[id] ?? SeenRecord(firstSeen: stamp)
            if s.seen[id] == nil { latestStamp[source.name] = stamp }
            if !rec.read || unread[source.name]?[id] != nil { changed.append("\(source.name):\(id)") }
            rec.read = true
            s.seen[id] = rec
            unread[source.name]?.removeValue(forKey: id)
        }
        state.sources[source.name] = s
        if source.profile.markRead != nil, !ids.isEmpty {
            enqueue(PendingAction(id: 0, source: source.name, kind: .markRead, ids: ids))
        }
        changeCount += 1
        return changed
    }

    /// Marks everything of `source` read: through the mark-all endpoint when there is one, else item by item.
    @discardableResult
    public mutating func markAllRead(source: SourceConfig, now: Double) -> [String] {
        let ids = Array((unread[source.name] ?? [:]).keys).sorted()
        if source.profile.markAllRead != nil {
            let keys = markRead(source: SourceConfig(copying: source, withoutMarkRead: true), ids: ids, now: now)
            // A body with {last_id} (Mastodon's markers) needs the newest id: kept with the action.
            let needsID = source.profile.markAllRead?.body?.needsIDs == true && !ids.isEmpty
            enqueue(PendingAction(id: 0, source: source.name, kind: .markAllRead, ids: needsID ? [BodyTemplate.lastID(ids)] : []))
            return keys
        }
        return markRead(source: source, ids: ids, now: now)
    }

    public mutating func setLastEventID(_ id: String?, source: String) {
        set(\.lastEventID, id, source: source)
    }

    /// Keeps the listing's validators (a change only when they differ: a 304 writes nothing).
    public mutating func setValidators(_ v: ListValidators?, source: String) {
        set(\.validators, v, source: source)
    }

    /// One field of a source's state; counted as a change only when the value differs.
    private mutating func set<V: Equatable>(_ field: WritableKeyPath<SourceState, V>, _ value: V, source: String) {
        var s = state.sources[source] ?? SourceState()
        guard s[keyPath: field] != value else { return }
        s[keyPath: field] = value
        state.sources[source] = s
        changeCount += 1
    }

    // MARK: outbox

    private mutating func enqueue(_ action: PendingAction) {
        var a = action
        a.id = (state.outbox.map(\.id).max() ?? 0) + 1
        state.outbox.append(a)
        changeCount += 1
    }

    /// Actions whose persisted retry time has come (by the wall clock). The agent reads these times
    /// once (at start, or for an action it has not tried yet) through `retryDelay` and keeps its own
    /// deadlines on the monotonic clock, so a wall clock jump during a run moves no retry.
    public func dueActions(now: Double) -> [PendingAction] {
        state.outbox.filter { Self.retryDelay(notBefore: $0.notBefore, now: now) == 0 }
    }

    /// Seconds from `now` until a persisted retry time. A time further ahead than any delay the outbox
    /// sets means the wall clock jumped back since it was written: due now rather than stuck until the
    /// clock catches up.
    public static func retryDelay(notBefore: Double, now: Double) -> Double {
        let left = notBefore - now
        return left > maxRetryDelay || left <= 0 ? 0 : left
    }

    /// The longest an outbox retry is ever put off (seconds), Retry-After included.
    public static let maxRetryDelay: Double = 3600

    public mutating func actionLanded(_ id: Int) {
        state.outbox.removeAll { $0.id == id }
        changeCount += 1
    }

    public mutating func actionFailed(_ id: Int, error: String, retryAt: Double) {
        guard let i = state.outbox.firstIndex(where: { $0.id == id }) else { return }
        state.outbox[i].attempts += 1
        state.outbox[i].notBefore = retryAt
        state.outbox[i].lastError = error
        changeCount += 1
    }

    /// Drops state of sources no longer configured (after a reload keeps the rest).
    public mutating func forgetSources(except names: Set<String>) {
        for name in state.sources.keys where !names.contains(name) { state.sources.removeValue(forKey: name); changeCount += 1 }
        for name in unread.keys where !names.contains(name) { unread.removeValue(forKey: name) }
        for name in latestStamp.keys where !names.contains(name) { latestStamp.removeValue(forKey: name) }
        for name in unlistedSaid.keys where !names.contains(name) { unlistedSaid.removeValue(forKey: name) }
        let before = state.outbox.count
        state.outbox.removeAll { !names.contains($0.source) }
        if state.outbox.count != before { changeCount += 1 }
    }
}

extension SourceConfig {
    /// A copy without a mark-read endpoint: records reads locally without queueing requests.
    init(copying source: SourceConfig, withoutMarkRead: Bool) {
        self = source
        if withoutMarkRead { profile.markRead = nil }
    }
}
