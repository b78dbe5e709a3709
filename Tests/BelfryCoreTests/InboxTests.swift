import Testing
@testable import BelfryCore

@Suite struct InboxTests {
    let src: SourceConfig
    init() throws { src = try source(preset: "jaot", extra: "exclude_types = [\"system\"]") }

    func item(_ id: String, read: Bool = false, type: String = "t", created: Double? = 1000, count: Int? = nil) -> Item {
        Item(source: "work", id: id, type: type, title: id, createdAt: created, isRead: read, count: count)
    }

    @Test func firstListingIsBacklogThenOnlyNewItemsAreFresh() {
        var inbox = Inbox(state: PersistedState())
        let first = inbox.ingest([item("b"), item("a")], from: src, complete: true, now: 1000, maxAge: .seconds(3600))
        #expect(first.backlog.map(\.id) == ["a", "b"])
        #expect(first.fresh.isEmpty)
        #expect(inbox.isInitialized("work"))
        let second = inbox.ingest([item("c"), item("b"), item("a")], from: src, complete: true, now: 1001, maxAge: .seconds(3600))
        #expect(second.fresh.map(\.id) == ["c"])
        #expect(second.backlog.isEmpty)
        let third = inbox.ingest([item("c"), item("b"), item("a")], from: src, complete: true, now: 1002, maxAge: .seconds(3600))
        #expect(third.isEmpty)
    }

    @Test func nothingNewMeansNoStateWrite() {
        var inbox = Inbox(state: PersistedState())
        _ = inbox.ingest([item("a")], from: src, complete: true, now: 1000, maxAge: .seconds(3600))
        inbox.markClean()
        _ = inbox.ingest([item("a")], from: src, complete: true, now: 1060, maxAge: .seconds(3600))
        #expect(!inbox.dirty)
    }

    @Test func readItemsFilteredTypesAndOldItemsDoNotPop() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        let o = inbox.ingest([item("r", read: true), item("s", type: "system"), item("old", created: 10), item("new", created: 99_000)],
                             from: src, complete: true, now: 100_000, maxAge: .seconds(3600))
        #expect(o.fresh.map(\.id) == ["new"])
        #expect(o.silent == 3)
        #expect(inbox.state.sources["work"]?.seen.count == 4)
    }

    @Test func readElsewhereClosesAndUnreadAgainNeverRepops() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        _ = inbox.ingest([item("a"), item("b")], from: src, complete: true, now: 1000, maxAge: .seconds(3600))
        let o = inbox.ingest([item("a", read: true)], from: src, complete: true, now: 1001, maxAge: .seconds(3600))
        #expect(Set(o.readElsewhere) == ["work:a", "work:b"])
        let again = inbox.ingest([item("a"), item("b")], from: src, complete: true, now: 1002, maxAge: .seconds(3600))
        #expect(again.fresh.isEmpty)
    }

    @Test func coalescingCountGrowthIsAnUpdateNotANewItem() throws {
        let tr = try source(preset: "taskrunner", base: "http://localhost:9477")
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        #expect(inbox.ingest([item("x", count: 1)], from: tr, complete: true, now: 1000, maxAge: .seconds(3600)).fresh.count == 1)
        let o = inbox.ingest([item("x", count: 3)], from: tr, complete: true, now: 1001, maxAge: .seconds(3600))
        #expect(o.fresh.isEmpty)
        #expect(o.updated.map(\.count) == [3])
        #expect(inbox.ingest([item("x", count: 3)], from: tr, complete: true, now: 1002, maxAge: .seconds(3600)).isEmpty)
    }

    @Test func streamedItemsAreNotACompleteListing() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        _ = inbox.ingest([item("a")], from: src, complete: true, now: 1000, maxAge: .seconds(3600))
        let o = inbox.ingest([item("b")], from: src, complete: false, now: 1001, maxAge: .seconds(3600))
        #expect(o.fresh.map(\.id) == ["b"])
        #expect(o.readElsewhere.isEmpty)
        #expect(inbox.unread["work"]?.count == 2)
        #expect(inbox.ingest([item("b"), item("a")], from: src, complete: true, now: 1002, maxAge: .seconds(3600)).isEmpty)
    }

    @Test func markReadRecordsLocallyAndQueuesTheServiceCall() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        _ = inbox.ingest([item("a"), item("b")], from: src, complete: true, now: 1000, maxAge: .seconds(3600))
        let changed = inbox.markRead(source: src, ids: ["a"], now: 1001)
        #expect(changed == ["work:a"])
        #expect(inbox.unread["work"]?.keys.sorted() == ["b"])
        #expect(inbox.state.outbox.count == 1)
        let action = inbox.state.outbox[0]
        #expect(action.kind == .markRead && action.ids == ["a"])
        inbox.actionFailed(action.id, error: "503", retryAt: 2000)
        #expect(inbox.dueActions(now: 1500).isEmpty)
        #expect(inbox.dueActions(now: 2000).count == 1)
        inbox.actionLanded(action.id)
        #expect(inbox.state.outbox.isEmpty)
        // The service still lists it unread (e.g. aira with an API key): it never pops or counts again.
        let o = inbox.ingest([item("a"), item("b")], from: src, complete: true, now: 1003, maxAge: .seconds(3600))
        #expect(o.isEmpty)
        #expect(inbox.unread["work"]?.count == 1)
    }

    @Test func markAllUsesTheMarkAllEndpoint() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        _ = inbox.ingest([item("a"), item("b")], from: src, complete: true, now: 1000, maxAge: .seconds(3600))
        #expect(inbox.markAllRead(source: src, now: 1001).sorted() == ["work:a", "work:b"])
        #expect(inbox.state.outbox.map(\.kind) == [.markAllRead])
        #expect(inbox.unread["work"]?.isEmpty == true)
    }

    @Test func evictionKeepsTheNewestAndWhatIsStillListed() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]), maxSeen: 100)
        for i in 0..<150 {
            _ = inbox.ingest([item("n\(i)", read: true)], from: src, complete: false, now: Double(i), maxAge: .seconds(3600))
        }
        _ = inbox.ingest([item("keep")], from: src, complete: true, now: 200, maxAge: .seconds(3600))
        let seen = inbox.state.sources["work"]!.seen
        #expect(seen.count <= 100 && seen.count >= 90, "trimmed to between 90 % and the limit: \(seen.count)")
        #expect(seen["keep"] != nil)
        #expect(seen["n149"] != nil)
        #expect(seen["n0"] == nil)
    }

    /// The wall clock jumping: a record made after a jump back is never older than one made before,
    /// so eviction still forgets the oldest arrivals, not the newest.
    @Test func firstSeenNeverGoesBackAndEvictionFollowsArrivalAfterAJumpBack() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]), maxSeen: 10)
        for i in 0..<10 {
            _ = inbox.ingest([item("before\(i)", read: true)], from: src, complete: false, now: 1_000_000 + Double(i), maxAge: .seconds(3600))
        }
        let yearBack = 1_000_000 - 365 * 86_400.0
        for i in 0..<5 {
            _ = inbox.ingest([item("after\(i)", read: true)], from: src, complete: false, now: yearBack + Double(i), maxAge: .seconds(3600))
        }
        let seen = inbox.state.sources["work"]!.seen
        #expect(seen["after0"]!.firstSeen >= seen["before9"]!.firstSeen)
        #expect((0..<5).allSatisfy { seen["after\($0)"] != nil }, "the newest arrivals are kept: \(seen.keys.sorted())")
        #expect(seen["before0"] == nil)
        // Marked read by the user: the same floor.
        inbox.markRead(source: src, ids: ["unknown"], now: yearBack)
        #expect(inbox.state.sources["work"]!.seen["unknown"]!.firstSeen >= seen["before9"]!.firstSeen)
        // A state loaded from disk gives the floor too (a fresh Inbox over the same state).
        var reloaded = Inbox(state: inbox.state, maxSeen: 10)
        _ = reloaded.ingest([item("later", read: true)], from: src, complete: false, now: yearBack, maxAge: .seconds(3600))
        #expect(reloaded.state.sources["work"]!.seen["later"]!.firstSeen >= seen["before9"]!.firstSeen)
    }

    /// Items are aged on the service's clock when it is known: a local clock a day ahead does not
    /// silence a fresh item, and an old one stays silent whatever the local clock says.
    @Test func maxAgeIsReadOnTheServicesClock() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        let service = 100_000.0
        let aheadByADay = service + 86_400
        let o = inbox.ingest([item("fresh", created: service - 10), item("old", created: service - 7200)], from: src,
                             complete: true, now: aheadByADay, maxAge: .seconds(3600), serviceNow: service)
        #expect(o.fresh.map(\.id) == ["fresh"])
        #expect(o.silent == 1)
        // Without the service's time the local clock is all there is.
        var local = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        #expect(local.ingest([item("fresh", created: service - 10)], from: src, complete: true, now: aheadByADay,
                             maxAge: .seconds(3600)).fresh.isEmpty)
    }

    @Test func aPersistedRetryTimeFurtherAheadThanAnyDelayIsDueNow() {
        #expect(Inbox.retryDelay(notBefore: 1000, now: 990) == 10)
        #expect(Inbox.retryDelay(notBefore: 1000, now: 1000) == 0)
        #expect(Inbox.retryDelay(notBefore: 1000, now: 2000) == 0)
        #expect(Inbox.retryDelay(notBefore: 1000 + Inbox.maxRetryDelay, now: 1000) == Inbox.maxRetryDelay)
        // Written before the wall clock jumped back a day: due now, not in a day.
        #expect(Inbox.retryDelay(notBefore: 1000 + 86_400, now: 1000) == 0)
    }

    @Test func pastTwiceTheLimitEvenUnreadItemsAreForgottenSoAStreamCannotGrowTheCache() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]), maxSeen: 100)
        // A stream: unread items one at a time, never a complete listing that would report reads.
        for i in 0..<1000 {
            _ = inbox.ingest([item("u\(i)")], from: src, complete: false, now: Double(i), maxAge: .seconds(1_000_000))
        }
        let seen = inbox.state.sources["work"]!.seen
        let cached = inbox.unread["work"] ?? [:]
        #expect(cached.count <= 200, "the unread cache is bounded by twice max_seen: \(cached.count)")
        #expect(seen.count <= 200, "and so is the seen map: \(seen.count)")
        #expect(Set(cached.keys).isSubset(of: Set(seen.keys)), "nothing is cached that is no longer remembered")
        #expect(cached["u999"] != nil)
    }

    /// The soak's finding: an item still unread on the service (or with a mark-read not delivered
    /// yet) lost its seen record when a streamed item (not a full listing) pushed the map over
    /// max_seen, and popped again at the next listing.
    @Test func evictionNeverForgetsWhatIsUnreadOrWaitingForAMarkRead() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]), maxSeen: 100)
        let old = inbox.ingest([item("unread-old"), item("marked-old")], from: src, complete: true, now: 0, maxAge: .seconds(3600))
        #expect(old.fresh.count == 2)
        inbox.markRead(source: src, ids: ["marked-old"], now: 1)  // queued; the service still lists it unread
        for i in 0..<150 {  // streamed items, each read on the service a moment later
            _ = inbox.ingest([item("n\(i)")], from: src, complete: false, now: Double(10 + i), maxAge: .seconds(3600))
            _ = inbox.ingest([item("n\(i)", read: true)], from: src, complete: false, now: Double(10 + i), maxAge: .seconds(3600))
        }
        let seen = inbox.state.sources["work"]!.seen
        #expect(seen.count <= 100)
        #expect(seen["unread-old"] != nil)
        #expect(seen["marked-old"]?.read == true)
        #expect(seen["n0"] == nil)
        // The next listing still has both unread: neither pops again.
        let next = inbox.ingest([item("marked-old"), item("unread-old")], from: src, complete: true, now: 200, maxAge: .seconds(3600))
        #expect(next.fresh.isEmpty)
    }

    @Test func burstLimiterSlidesItsWindow() {
        var b = BurstLimiter(limit: 2, window: .seconds(10))
        let results = [0, 1, 2, 10.5].map { b.allow(now: $0) }
        #expect(results == [true, true, false, true])
    }

    @Test func burstLimiterSlidesOverManyPopupsAndStaysBounded() {
        // Whole seconds, so every time is exact: one popup a second against 1,000 per 10,000 s.
        var b = BurstLimiter(limit: 1_000, window: .seconds(10_000))
        var passed = 0
        for step in 0..<100_000 {
            if b.allow(now: Double(step)) { passed += 1 }
        }
        #expect(passed == 10_000)  // each slot comes free exactly one window after it was taken
        #expect(b.inWindow == 1_000)
        // A quiet spell empties the window entirely.
        let afterQuiet = b.allow(now: 1_000_000)
        #expect(afterQuiet)
        #expect(b.inWindow == 1)
    }
}
