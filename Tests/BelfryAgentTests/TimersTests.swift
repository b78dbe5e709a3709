@testable import BelfryAgent
import Synchronization
import Testing

/// `Timers.sleep`, the agent's own sleep (libdispatch's wakes the process every second).
@Suite struct TimersTests {
    @Test(arguments: [Timers.Clock.continuous, .suspending])
    func sleepsAtLeastItsDuration(clock: Timers.Clock) async throws {
        let start = ContinuousClock.now
        try await Timers.sleep(for: .milliseconds(120), clock: clock)
        let elapsed = start.duration(to: .now)
        #expect(elapsed >= .milliseconds(120))
    }

    @Test func sleepersWakeInDeadlineOrderWhateverOrderTheyStarted() async throws {
        final class Order: Sendable { let list = Mutex<[Int]>([]) }
        let order = Order()
        await withTaskGroup(of: Void.self) { group in
            for (n, ms) in [(3, 150), (1, 50), (2, 100)] {
                group.addTask {
                    try? await Timers.sleep(for: .milliseconds(ms))
                    order.list.withLock { $0.append(n) }
                }
            }
        }
        #expect(order.list.withLock { $0 } == [1, 2, 3])
    }

    @Test func cancellationEndsALongSleepAtOnce() async throws {
        let sleeper = Task { () -> Bool in
            do {
                try await Timers.sleep(for: .seconds(3600))
                return false
            } catch {
                return true
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        #expect(await sleeper.value, "a cancelled sleep throws CancellationError")
    }

    @Test func aTaskCancelledBeforeItSleepsDoesNotSleep() async throws {
        let sleeper = Task { () -> Bool in
            withUnsafeCurrentTask { $0?.cancel() }
            do {
                try await Timers.sleep(for: .seconds(3600))
                return false
            } catch {
                return true
            }
        }
        #expect(await sleeper.value)
    }

    @Test func aZeroOrNegativeSleepReturnsPromptly() async throws {
        try await Timers.sleep(for: .zero)
        try await Timers.sleep(for: .seconds(-5))
    }
}
