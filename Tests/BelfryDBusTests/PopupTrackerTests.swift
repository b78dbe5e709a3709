import BelfryCore
import Testing

@testable import BelfryDBus

/// The set of popups a sink owns stays bounded when the server never reports them closed.
@Suite struct PopupTrackerTests {
    @Test func ownedIdsAreBoundedAndTheNewestKept() {
        let (_, continuation) = AsyncStream<DesktopEvent>.makeStream()
        let tracker = PopupTracker(continuation: continuation)
        tracker.begin(generation: 1)
        for id in UInt32(1)...10_000 { tracker.own(id, generation: 1) }
        #expect(tracker.ownedCount <= PopupTracker.maxOwned)
        #expect(tracker.ownedCount >= PopupTracker.maxOwned - PopupTracker.maxOwned / 10)
        #expect(tracker.owns(10_000))
        #expect(tracker.owns(10_000 - UInt32(PopupTracker.maxOwned) / 2))
        #expect(!tracker.owns(1))
    }

    @Test func idsOfAnOlderConnectionAreNotOwned() {
        let (_, continuation) = AsyncStream<DesktopEvent>.makeStream()
        let tracker = PopupTracker(continuation: continuation)
        tracker.begin(generation: 2)
        tracker.own(7, generation: 1)
        #expect(!tracker.owns(7))
        tracker.own(8, generation: 2)
        #expect(tracker.owns(8))
    }
}
