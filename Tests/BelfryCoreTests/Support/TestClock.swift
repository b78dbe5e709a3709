import Synchronization

/// A clock whose time moves only when told: `sleep` returns at once after moving time to the
/// deadline (and records how long it was asked to sleep), `advance(by:)` moves it by hand.
final class TestClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct State {
        var now = Duration.zero
        var sleeps: [Duration] = []
    }
    private let state = Mutex(State())

    var now: Instant { Instant(offset: state.withLock { $0.now }) }
    var minimumResolution: Duration { .zero }
    /// Every sleep requested so far, in order.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { s in
            s.sleeps.append(deadline.offset - s.now)
            s.now = Swift.max(s.now, deadline.offset)
        }
        await Task.yield()
    }

    func advance(by duration: Duration) { state.withLock { $0.now += duration } }
}
