internal import CBelfryLinux
import Glibc
import Synchronization

/// Sleeps that cost no wake-up until they are due.
///
/// On Linux, libdispatch (which runs `Task.sleep`) re-arms its timerfd every second for as long as
/// any timer is pending: an agent waiting an hour in `Task.sleep` woke once a second (seen with
/// strace; a four-line program with one `Task.sleep(for: .seconds(3600))` does the same). The
/// agent's long waits (poll intervals, the outbox, the flusher, the watchdog) go through here
/// instead: one thread sleeps in `poll()` on two timerfds armed at the earliest deadline, and
/// resumes the sleepers that are due.
enum Timers {
    enum Clock: Sendable {
        /// Counts time suspended, like `ContinuousClock` (CLOCK_BOOTTIME).
        case continuous
        /// Stops while the machine sleeps, like `SuspendingClock` (CLOCK_MONOTONIC).
        case suspending
    }

    /// Like `Task.sleep(for:)`: returns after `duration`, throws `CancellationError` as soon as the
    /// task is cancelled.
    static func sleep(for duration: Duration, clock: Clock = .continuous) async throws(CancellationError) {
        try await TimerThread.shared.sleep(for: duration, clock: clock)
    }
}

final class TimerThread: Sendable {
    static let shared = TimerThread()

    private struct Sleeper {
        var deadline: UInt64
        var clock: Timers.Clock
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var sleepers: [Int: Sleeper] = [:]
        /// Cancelled before their continuation was registered.
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())
    private let continuousFD: Int32
    private let suspendingFD: Int32

    private init() {
        // Non-blocking: a re-arm between poll() and read() clears the expiration, and read must not block.
        continuousFD = belfry_timerfd(CLOCK_BOOTTIME)
        suspendingFD = belfry_timerfd(CLOCK_MONOTONIC)
        if continuousFD >= 0, suspendingFD >= 0 { Thread { [self] in run() }.start() }
    }

    static func now(_ clock: Timers.Clock) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock == .continuous ? CLOCK_BOOTTIME : CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    func sleep(for duration: Duration, clock: Timers.Clock) async throws(CancellationError) {
        guard continuousFD >= 0, suspendingFD >= 0 else {
            // No timerfd (a seccomp filter?): libdispatch's timers, with their wake-ups, still work.
            do { try await Task.sleep(for: duration) } catch { throw CancellationError() }
            return
        }
        // Capped at about a century, so the nanoseconds fit.
        let (seconds, attoseconds) = min(duration, .seconds(3_000_000_000)).components
        let nanos = duration <= .zero ? 0 : UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        let deadline = Self.now(clock) + nanos
        let id = state.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                    let cancelledAlready = state.withLock { s -> Bool in
                        if s.cancelled.remove(id) != nil { return true }
                        s.sleepers[id] = Sleeper(deadline: deadline, clock: clock, continuation: c)
                        arm(clock, in: s)
                        return false
                    }
                    if cancelledAlready { c.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                let sleeper = state.withLock { s -> Sleeper? in
                    guard let sleeper = s.sleepers.removeValue(forKey: id) else {
                        s.cancelled.insert(id)
                        return nil
                    }
                    arm(sleeper.clock, in: s)
                    return sleeper
                }
                sleeper?.continuation.resume(throwing: CancellationError())
            }
        } catch {
            throw CancellationError()
        }
        // A cancellation in the instant between the thread's resume and leaving the handler's scope
        // leaves the id in `cancelled`; drop it (a later one, vanishingly rare, leaks one Int).
        state.withLock { _ = $0.cancelled.remove(id) }
    }

    /// Arms `clock`'s timerfd at its earliest deadline, or disarms it. Called with the lock held.
    private func arm(_ clock: Timers.Clock, in s: State) {
        let earliest = s.sleepers.values.lazy.filter { $0.clock == clock }.map(\.deadline).min()
        // An absolute deadline of 0 would disarm: a due one is armed 1 ns in.
        let at = earliest.map { max($0, 1) } ?? 0
        _ = belfry_timerfd_arm(clock == .continuous ? continuousFD : suspendingFD,
                               Int(at / 1_000_000_000), Int(at % 1_000_000_000))
    }

    private func run() {
        var fds = [pollfd(fd: continuousFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: suspendingFD, events: Int16(POLLIN), revents: 0)]
        while true {
            let n = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, 2, -1) }
            if n < 0 {
                if errno != EINTR { usleep(10_000) }  // ENOMEM: try again shortly rather than spin
                continue
            }
            for k in 0..<2 where fds[k].revents != 0 {
                var expirations: UInt64 = 0
                _ = read(fds[k].fd, &expirations, 8)
            }
            var due: [CheckedContinuation<Void, any Error>] = []
            state.withLock { s in
                for clock in [Timers.Clock.continuous, .suspending] {
                    let now = Self.now(clock)
                    for (id, sleeper) in s.sleepers where sleeper.clock == clock && sleeper.deadline <= now {
                        due.append(sleeper.continuation)
                        s.sleepers.removeValue(forKey: id)
                    }
                    arm(clock, in: s)
                }
            }
            for c in due { c.resume() }
        }
    }
}
