internal import CDBus
internal import Glibc
import Synchronization

/// Work for the owner thread: `run` there, or `cancel` if the connection ended before it could.
/// Exactly one of the two is called.
struct Job: Sendable {
    let run: @Sendable (Pump) -> Void
    let cancel: @Sendable (BusError) -> Void
}

/// The queue between async callers and the owner thread, plus the eventfd that wakes the thread
/// from `poll()` when a job is queued.
final class Mailbox: Sendable {
    private struct State {
        var jobs: [Job] = []
        var closed = false
        var finished = false
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    let eventFD: Int32

    init() throws(BusError) {
        let fd = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard fd >= 0 else { throw BusError(.connectFailed, "eventfd failed: \(String(cString: strerror(errno)))") }
        eventFD = fd
    }

    deinit {
        Glibc.close(eventFD)
    }

    /// Queues `job` and wakes the thread; false (and nothing queued) once the connection has ended.
    /// Only the first job into an empty queue writes the eventfd: the thread takes the whole queue
    /// at once, so a burst of calls costs one wake-up, not one syscall each.
    @discardableResult
    func post(_ job: Job) -> Bool {
        let (queued, first) = state.withLock { state -> (Bool, Bool) in
            guard !state.closed else { return (false, false) }
            state.jobs.append(job)
            return (true, state.jobs.count == 1)
        }
        if first { wake() }
        return queued
    }

    /// Queues `job`, or cancels it with `disconnected` when the connection has ended.
    func postOrCancel(_ job: Job) {
        if !post(job) { job.cancel(BusError(.disconnected, "the D-Bus connection is closed")) }
    }

    func takeJobs() -> [Job] {
        state.withLock { state in
            let jobs = state.jobs
            state.jobs.removeAll()
            return jobs
        }
    }

    /// Refuses further jobs and hands back the ones still queued (to be cancelled).
    func close() -> [Job] {
        state.withLock { state in
            state.closed = true
            let jobs = state.jobs
            state.jobs.removeAll()
            return jobs
        }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Called by the owner thread as its very last step.
    func markFinished() {
        let waiters = state.withLock { state in
            state.closed = true
            state.finished = true
            let waiters = state.finishWaiters
            state.finishWaiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the owner thread has closed the connection and ended.
    func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.finished { return true }
                state.finishWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func wake() {
        var one: UInt64 = 1
        // EAGAIN means the counter is already non-zero: the thread will wake anyway.
        while write(eventFD, &one, 8) < 0 && errno == EINTR {}
    }

    /// Resets the eventfd after a wake-up.
    func drainWakeups() {
        var value: UInt64 = 0
        while read(eventFD, &value, 8) < 0 && errno == EINTR {}
    }
}
