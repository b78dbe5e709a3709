import Synchronization
import BelfryCore

/// A clock that moves only when a test says so. A sleep waits until `advance(by:)` moves time past its
/// deadline (or its task is cancelled), so code that waits on this clock can be driven step by step
/// without any real waiting: advance, then wait for the effect (an emulator call, a popup).
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration
        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct Sleeper {
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Duration.zero
        var sleepers: [Int: Sleeper] = [:]
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var now: Instant { Instant(offset: state.withLock { $0.now }) }
    public var minimumResolution: Duration { .zero }

    /// The deadlines of the sleeps waiting now, as time left from `now`, shortest first.
    public var pendingSleeps: [Duration] {
        state.withLock { s in s.sleepers.values.map { $0.deadline - s.now }.sorted() }
    }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        let id = state.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline.offset <= s.now { return .success(()) }
                    s.sleepers[id] = Sleeper(deadline: deadline.offset, continuation: c)
                    return nil
                }
                if let outcome { c.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                if let found = s.sleepers.removeValue(forKey: id) { return found }
                s.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleep whose deadline it reached, earliest first.
    public func advance(by duration: Duration) {
        let due = state.withLock { s -> [Sleeper] in
            s.now += duration
            let ready = s.sleepers.filter { $0.value.deadline <= s.now }
            for id in ready.keys { s.sleepers.removeValue(forKey: id) }
            return ready.values.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}

/// The same clock read as seconds, for code that takes its time as `Double`s (the agent's
/// `monotonic` and `sleep`, e.g. the summary timer).
extension ManualClock {
    public var seconds: Double { now.offset.seconds }

    /// How many sleeps wait now (a deterministic point to assert that nothing else was sent).
    public var sleepers: Int { pendingSleeps.count }

    /// Returns once the clock reaches `deadline` seconds (at once if it has), or when the task is
    /// cancelled.
    public func sleep(until deadline: Double) async {
        try? await sleep(until: Instant(offset: .nanoseconds(Int64((deadline * 1e9).rounded()))), tolerance: nil)
    }

    public func advance(by seconds: Double) {
        advance(by: .nanoseconds(Int64((seconds * 1e9).rounded())))
    }
}
