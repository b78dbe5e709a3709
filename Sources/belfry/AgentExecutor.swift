// The `belfry` binary's default executor: what Swift concurrency runs every task on.
//
// Swift's stock global executor on Linux runs tasks on libdispatch's global queues, and libdispatch
// then arms a timer that fires once a second for the life of the process to watch its worker pool
// (`_dispatch_workq_monitor_pools`). An agent that idles all day with a stream open woke once a second
// for nothing but that (BENCHMARKS.md, "idle wake-ups"). This pool runs the same jobs on a few threads
// of its own that sleep on condition variables; one of them waits, timed, for the earliest deadline
// (`Task.sleep`), so nothing wakes unless a job or a deadline is due.
//
// It uses Swift 6.3's experimental custom-executor SPI (`ExecutorFactory`, `SchedulingExecutor`),
// so it is compiled for 6.3.x only; any other compiler builds the binary with the stock executor
// (the same behaviour, plus the 1 Hz wake-up). The SPI is selected by the `DefaultExecutorFactory`
// typealias below, which swiftc 6.3 only honours with availability checking off: Package.swift
// passes `-disable-availability-checking` to this target. AgentExecutorTests checks a running agent's
// threads: the pool's, and no libdispatch global-queue worker.
//
// Deadlines are kept on CLOCK_MONOTONIC for both clocks: a `ContinuousClock` sleep pending across a
// system suspend ends late by at most the time it still had to run. The agent does not rely on that:
// `SleepWatcher` wakes every feed on resume.

#if compiler(>=6.3) && !compiler(>=6.4)
@_spi(ExperimentalCustomExecutors) @_spi(ExperimentalScheduling) import _Concurrency
import BelfryCore
import Glibc

extension Belfry {
    typealias DefaultExecutorFactory = AgentExecutorFactory
}

struct AgentExecutorFactory: ExecutorFactory {
    static let pool = AgentExecutor(threads: max(3, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))))
    static var mainExecutor: any MainExecutor { PlatformExecutorFactory.mainExecutor }
    static var defaultExecutor: any TaskExecutor { pool }
}

final class AgentExecutor: TaskExecutor, SchedulingExecutor, @unchecked Sendable {
    private struct Timer {
        var deadline: UInt64  // CLOCK_MONOTONIC, ns
        var order: UInt64     // FIFO among equal deadlines
        var job: UnownedJob
    }

    // Everything below is guarded by `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Idle threads wait here for a job.
    private let workReady = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The timer thread waits here, until the earliest deadline or an earlier one (or a job) comes.
    private let timerChanged = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var ready: [UnownedJob] = []
    private var readyHead = 0
    private var timers: [Timer] = []  // a binary min-heap on (deadline, order)
    private var nextOrder: UInt64 = 0
    private var idle = 0
    private var hasTimerThread = false
    private var timerThreadWaiting = false

    init(threads: Int) {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(workReady, &attr)
        pthread_cond_init(timerChanged, &attr)
        pthread_condattr_destroy(&attr)
        for index in 0..<threads {
            let rc = DetachedThread.start(name: "belfry-pool-\(index)") { [self] in work() }
            precondition(rc == 0, "belfry: cannot start the task pool's threads (error \(rc))")
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        ready.append(job)
        // Signalled after the unlock, so the woken thread does not wake into a held mutex. Nothing is
        // lost if another thread takes the job meanwhile: every thread drains the queue before it waits.
        let wake = idle > 0 ? workReady : timerThreadWaiting ? timerChanged : nil
        pthread_mutex_unlock(mutex)
        if let wake { pthread_cond_signal(wake) }  // nil: every thread is running a job
    }

    func enqueue<C: Clock>(_ job: consuming ExecutorJob, after delay: C.Duration, tolerance: C.Duration?, clock: C) {
        let job = UnownedJob(job)
        schedule(job, at: Self.deadline(after: delay))
    }

    func enqueue<C: Clock>(_ job: consuming ExecutorJob, at instant: C.Instant, tolerance: C.Duration?, clock: C) {
        let job = UnownedJob(job)
        schedule(job, at: Self.deadline(after: clock.now.duration(to: instant)))
    }

    private func schedule(_ job: UnownedJob, at deadline: UInt64) {
        pthread_mutex_lock(mutex)
        nextOrder &+= 1
        let earliest = timers.isEmpty || deadline < timers[0].deadline
        push(Timer(deadline: deadline, order: nextOrder, job: job))
        if earliest {
            if hasTimerThread {
                if timerThreadWaiting { pthread_cond_signal(timerChanged) }
            } else if idle > 0 {
                pthread_cond_signal(workReady)  // an idle thread takes the timer duty
            }
        }
        pthread_mutex_unlock(mutex)
    }

    /// A worker's life: run ready jobs; with none, either wait for the earliest deadline (one thread
    /// at a time) or wait for work.
    private func work() {
        pthread_mutex_lock(mutex)
        var isTimerThread = false
        while true {
            if !timers.isEmpty {
                let now = Self.monotonicNow()
                while let first = timers.first, first.deadline <= now { ready.append(pop().job) }
            }
            if readyHead < ready.count {
                let job = ready[readyHead]
                readyHead += 1
                if readyHead == ready.count {
                    ready.removeAll(keepingCapacity: true)
                    readyHead = 0
                } else if readyHead >= 1024 {
                    ready.removeFirst(readyHead)
                    readyHead = 0
                }
                if isTimerThread {  // running a job: hand the timer duty to an idle thread
                    isTimerThread = false
                    hasTimerThread = false
                    if !timers.isEmpty, idle > 0 { pthread_cond_signal(workReady) }
                }
                if readyHead < ready.count, idle > 0 { pthread_cond_signal(workReady) }
                pthread_mutex_unlock(mutex)
                job.runSynchronously(on: asUnownedTaskExecutor())
                pthread_mutex_lock(mutex)
                continue
            }
            if !timers.isEmpty, isTimerThread || !hasTimerThread {
                isTimerThread = true
                hasTimerThread = true
                let deadline = timers[0].deadline
                var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
                timerThreadWaiting = true
                _ = pthread_cond_timedwait(timerChanged, mutex, &until)
                timerThreadWaiting = false
                continue
            }
            if isTimerThread {  // no deadline left
                isTimerThread = false
                hasTimerThread = false
            }
            idle += 1
            pthread_cond_wait(workReady, mutex)
            idle -= 1
        }
    }

    // MARK: The timer heap

    private static func earlier(_ a: Timer, _ b: Timer) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.order < b.order)
    }

    private func push(_ timer: Timer) {
        timers.append(timer)
        var i = timers.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.earlier(timers[i], timers[parent]) else { break }
            timers.swapAt(i, parent)
            i = parent
        }
    }

    private func pop() -> Timer {
        let first = timers[0]
        let last = timers.removeLast()
        guard !timers.isEmpty else { return first }
        timers[0] = last
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var least = i
            if left < timers.count, Self.earlier(timers[left], timers[least]) { least = left }
            if right < timers.count, Self.earlier(timers[right], timers[least]) { least = right }
            if least == i { return first }
            timers.swapAt(i, least)
            i = least
        }
    }

    // MARK: Time and threads

    static func monotonicNow() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// The CLOCK_MONOTONIC time `delay` from now. Both of Swift's clocks tick at that rate while the
    /// machine is awake; a delay that is not a `Duration` (no such clock in the agent) counts as zero.
    static func deadline<D>(after delay: D) -> UInt64 {
        let now = monotonicNow()
        guard let d = delay as? Duration, d > .zero else { return now }
        let (seconds, attoseconds) = d.components
        let far = UInt64(Int64.max) / 2
        guard seconds < Int64(far / 1_000_000_000) else { return far }
        let ns = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        return min(far, now + ns)
    }
}

#endif
