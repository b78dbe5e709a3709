import FoundationEssentials
import Testing
@testable import BelfryCore

/// Identity and revision (issue 15, point 1): a known id whose revision moved forward is new activity.
@Suite struct InboxRevisionTests {
    let src: SourceConfig
    init() throws { src = try source(preset: "jaot") }

    func thread(_ id: String, updated: Double, read: Bool = false) -> Item {
        Item(source: "work", id: id, type: "t", title: id, createdAt: 1000, isRead: read, updatedAt: updated)
    }

    func ingest(_ inbox: inout Inbox, _ items: [Item], complete: Bool = true, now: Double = 5000) -> Inbox.Outcome {
        inbox.ingest(items, from: src, complete: complete, now: now, maxAge: .seconds(1 << 30))
    }

    @Test func aReadThreadWithANewerRevisionPopsOnceMoreAndCountsUnreadAgain() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        #expect(ingest(&inbox, [thread("t1", updated: 2000)]).fresh.map(\.id) == ["t1"])
        inbox.markRead(source: src, ids: ["t1"], now: 5001)
        #expect(ingest(&inbox, [thread("t1", updated: 2000, read: true)]).fresh.isEmpty)
        #expect(inbox.unread["work"]?["t1"] == nil)
        let again = ingest(&inbox, [thread("t1", updated: 3000)])
        #expect(again.fresh.map(\.id) == ["t1"])
        #expect(inbox.unread["work"]?["t1"] != nil)
        #expect(inbox.state.sources["work"]?.seen["t1"]?.read == false)
        // The same (id, revision) from a stream and from the next poll: nothing more.
        #expect(ingest(&inbox, [thread("t1", updated: 3000)], complete: false).isEmpty)
        #expect(ingest(&inbox, [thread("t1", updated: 3000)]).isEmpty)
    }

    @Test func anUnreadThreadWithNewActivityPopsAgain() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        _ = ingest(&inbox, [thread("t1", updated: 2000)])
        #expect(ingest(&inbox, [thread("t1", updated: 2500)], complete: false).fresh.map(\.id) == ["t1"])
    }

    @Test func anOlderRevisionNeverPopsAndItsReturnDoesNotPopTwice() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        _ = ingest(&inbox, [thread("t1", updated: 3000)])
        #expect(ingest(&inbox, [thread("t1", updated: 2000)]).isEmpty)
        #expect(ingest(&inbox, [thread("t1", updated: 3000)]).isEmpty)
    }

    @Test func aStateWithoutRevisionsAdoptsTheListedOneSilently() throws {
        // A state file written before revisions existed: records have t/r only.
        let old = #"{"outbox":[],"sources":{"work":{"init":true,"seen":{"t1":{"r":true,"t":1000},"t2":{"t":1000}}}},"version":1}"#
        let state = try StateCodec.decode(Array(old.utf8))
        #expect(state.sources["work"]?.seen["t1"]?.revision == nil)
        var inbox = Inbox(state: state)
        #expect(ingest(&inbox, [thread("t2", updated: 2000), thread("t1", updated: 2000)]).fresh.isEmpty)
        #expect(inbox.state.sources["work"]?.seen["t1"]?.revision == 2000)
        #expect(ingest(&inbox, [thread("t1", updated: 2001)]).fresh.map(\.id) == ["t1"])
    }

    @Test func theRevisionSurvivesASaveCompactly() throws {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        _ = ingest(&inbox, [thread("t1", updated: 1_733_140_000.5)])
        let bytes = try StateCodec.encode(inbox.state)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""v":1733140000"#))
        var restarted = Inbox(state: try StateCodec.decode(bytes))
        #expect(ingest(&restarted, [thread("t1", updated: 1_733_140_000.5)]).isEmpty)
        #expect(ingest(&restarted, [thread("t1", updated: 1_733_140_100)]).fresh.map(\.id) == ["t1"])
    }

    @Test func aProfileRevisionFieldWinsOverUpdatedAt() throws {
        let s = try source(preset: "jaot", extra: """
            [source.profile.fields]
            revision = "version"
            updated_at = "updated_at"
            """)
        let json = try JSONValue.parse(Array(#"{"items":[{"id":"a","title":"x","version":7,"updated_at":"2026-01-01T00:00:00Z"}]}"#.utf8))
        #expect(ItemExtractor(source: s).items(in: json).0.first?.revision == 7)
    }
}
