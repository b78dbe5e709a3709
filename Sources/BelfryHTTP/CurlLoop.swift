internal import BelfryCore
internal import CCurl
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one thread that drives libcurl for a `CurlTransport`.
///
/// It owns the multi handle and every easy handle in it; other threads only queue commands and
/// wake it with `curl_multi_wakeup`. It sleeps in `curl_multi_poll` until a socket is ready,
/// libcurl's next timer is due or a command arrives; with nothing in flight it has no timer and
/// does not wake at all.
final class CurlLoop: @unchecked Sendable {
    private enum Command: Sendable {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
    }

    private struct Queue {
        var commands: [Command] = []
        var stopping = false
    }

    /// The only state shared with other threads.
    private let queue = Mutex(Queue())
    /// Used by the loop thread only, except `wakeup()`.
    private let multi: CurlMultiHandle
    /// Transfers whose easy handle is in `multi`, by handle address. Loop thread only.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init() throws(HTTPError) {
        multi = try CurlMultiHandle()
        // The thread keeps the loop alive until it has left its run loop.
        let started = DetachedThread.start(name: "belfry-http") { [self] in run() }
        guard started == 0 else { throw HTTPError(.other, "cannot start the HTTP thread (error \(started))") }
    }

    /// Starts `transfer` (or fails it at once if it was cancelled or the loop is stopping).
    func submit(_ transfer: CurlTransfer) {
        enqueue(.add(transfer))
    }

    /// Aborts `transfer` promptly, whether it is queued, running or already done (then a no-op).
    func cancel(_ transfer: CurlTransfer) {
        transfer.requestCancel()
        enqueue(.cancel(transfer))
    }

    /// Ends every transfer with `.cancelled` and lets the thread exit.
    func shutdown() {
        queue.withLock { queue in
            queue.stopping = true
            multi.wakeup()
        }
    }

    private func enqueue(_ command: Command) {
        let accepted = queue.withLock { queue in
            guard !queue.stopping else { return false }
            queue.commands.append(command)
            multi.wakeup()
            return true
        }
        if !accepted, case .add(let transfer) = command {
            transfer.fail(HTTPError(.cancelled, "HTTP transport shut down"))
        }
    }

    // MARK: The loop thread

    private func run() {
        while true {
            let (commands, stopping) = queue.withLock { queue in
                defer { queue.commands = [] }
                return (queue.commands, queue.stopping)
            }
            if stopping {
                for case .add(let transfer) in commands {
                    transfer.fail(HTTPError(.cancelled, "HTTP transport shut down"))
                }
                break
            }
            for command in commands { apply(command) }
            do {
                try multi.perform()
                while let (easy, result) = multi.nextCompletion() {
                    guard let transfer = running.removeValue(forKey: easy), let handle = transfer.easy else { continue }
                    multi.remove(handle)
                    transfer.complete(result)
                }
                try multi.poll(timeoutMilliseconds: expireIdleStreams())
            } catch {
                // Only a broken multi handle gets here (out of memory); fail what is in flight
                // rather than spin on it.
                failAll(error)
                usleep(100_000)
            }
        }
        // Commands queued after `stopping` was seen are refused by `enqueue`.
        failAll(HTTPError(.cancelled, "HTTP transport shut down"))
    }

    /// Fails the streams whose idle limit passed and returns how long the loop may sleep before the
    /// next one would (Int32.max: no stream open, sleep until something happens).
    private func expireIdleStreams() -> Int32 {
        let now = MonotonicClock.nanoseconds()
        var next = UInt64.max
        for (key, transfer) in running where transfer.idleLimitNanos != nil {
            if transfer.idleDeadline <= now {
                running[key] = nil
                if let handle = transfer.easy { multi.remove(handle) }
                transfer.failIdle()
            } else {
                next = min(next, transfer.idleDeadline)
            }
        }
        guard next != .max else { return .max }
        // Rounded up, so the loop wakes after the deadline, not just before it.
        return Int32(min(UInt64(Int32.max), (next - now + 999_999) / 1_000_000))
    }

    private func apply(_ command: Command) {
        switch command {
        case .add(let transfer):
            guard !transfer.isCancelRequested else {
                return transfer.fail(HTTPError(.cancelled, "request cancelled"))
            }
            guard let handle = transfer.easy else { return }
            do {
                try multi.add(handle)
                transfer.noteActivity()
                running[transfer.key] = transfer
            } catch {
                transfer.fail(error)
            }
        case .cancel(let transfer):
            guard let current = running[transfer.key], current === transfer, let handle = transfer.easy else { return }
            running[transfer.key] = nil
            multi.remove(handle)
            transfer.fail(HTTPError(.cancelled, "request cancelled"))
        }
    }

    private func failAll(_ error: HTTPError) {
        for transfer in running.values {
            if let handle = transfer.easy { multi.remove(handle) }
            transfer.fail(error)
        }
        running = [:]
    }
}
