import Synchronization

/// A monotonic clock in seconds that moves only when a test says so, with sleepers that wake when
/// it reaches their deadline: the agent's `monotonic` and `sleep` in one, so timer-driven behaviour
/// (a trailing summary update) is deterministic and no test sleeps for real.
public final class ManualClock: Sendable {
    private struct Sleeper {
        var deadline: Double
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now: Double
        var sleepers: [Int: Sleeper] = [:]
        var nextTicket = 0
    }

    private let state: Mutex<State>

    public init(_ start: Double = 1_000) { state = Mutex(State(now: start)) }

    public var now: Double { state.withLock { $0.now } }

    /// How many are asleep now (a deterministic point to assert that nothing else was sent).
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// Returns once the clock reaches `deadline` (at once if it has), or when the task is cancelled.
    public func sleep(until deadline: Double) async {
        let ticket = state.withLock { s in defer { s.nextTicket += 1 }; return s.nextTicket }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.now >= deadline || Task.isCancelled { return true }
                    s.sleepers[ticket] = Sleeper(deadline: deadline, continuation: c)
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: ticket) }?.continuation.resume()
        }
    }

    /// Moves the clock and wakes every sleeper whose deadline has come.
    public func advance(by seconds: Double) {
        let due = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.now += seconds
            let ready = s.sleepers.filter { $0.value.deadline <= s.now }
            for ticket in ready.keys { s.sleepers.removeValue(forKey: ticket) }
            return ready.values.map(\.continuation)
        }
        for c in due { c.resume() }
    }
}
