internal import CDBus
internal import Glibc

/// libdbus main-loop integration for one connection: the watches (fds) and timeouts libdbus asks
/// for, and one `poll()` over them plus the mailbox's eventfd. With no timeout armed, `poll()`
/// waits without limit, so an idle connection costs no wake-ups. Owner thread only.
final class LoopSources {
    private struct TimeoutEntry {
        var timeout: OpaquePointer
        var deadline: ContinuousClock.Instant?
    }

    private var watches: [OpaquePointer] = []
    private var timeouts: [TimeoutEntry] = []

    /// `self` is passed unretained: the pump keeps this object until `uninstall`.
    func install(on connection: OpaquePointer) throws(BusError) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard dbus_connection_set_watch_functions(connection, { watch, data in
            LoopSources.from(data).watches.append(watch!)
            return 1
        }, { watch, data in
            LoopSources.from(data).watches.removeAll { $0 == watch }
        }, { _, _ in
            // Whether a watch is enabled is read afresh before every poll().
        }, me, nil) != 0 else { throw BusError(.connectFailed, "libdbus: cannot set watch functions") }

        guard dbus_connection_set_timeout_functions(connection, { timeout, data in
            LoopSources.from(data).timeoutAdded(timeout!)
            return 1
        }, { timeout, data in
            LoopSources.from(data).timeouts.removeAll { $0.timeout == timeout }
        }, { timeout, data in
            LoopSources.from(data).timeoutToggled(timeout!)
        }, me, nil) != 0 else { throw BusError(.connectFailed, "libdbus: cannot set timeout functions") }
    }

    func uninstall(from connection: OpaquePointer) {
        _ = dbus_connection_set_watch_functions(connection, nil, nil, nil, nil, nil)
        _ = dbus_connection_set_timeout_functions(connection, nil, nil, nil, nil, nil)
        watches.removeAll()
        timeouts.removeAll()
    }

    private static func from(_ data: UnsafeMutableRawPointer?) -> LoopSources {
        Unmanaged<LoopSources>.fromOpaque(data!).takeUnretainedValue()
    }

    /// One `poll()` on `wakeFD` and the enabled watches, limited by the nearest armed timeout;
    /// then hands what became ready to libdbus. False on a poll error other than EINTR.
    func pollOnce(wakeFD: Int32, onWake: () -> Void) -> Bool {
        let polled = watches.filter { dbus_watch_get_enabled($0) != 0 }
        var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        for watch in polled {
            let flags = dbus_watch_get_flags(watch)
            var events: Int16 = 0
            if flags & DBUS_WATCH_READABLE.rawValue != 0 { events |= Int16(POLLIN) }
            if flags & DBUS_WATCH_WRITABLE.rawValue != 0 { events |= Int16(POLLOUT) }
            fds.append(pollfd(fd: dbus_watch_get_unix_fd(watch), events: events, revents: 0))
        }
        let result = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), pollTimeout()) }
        if result < 0 { return errno == EINTR }

        if fds[0].revents != 0 { onWake() }
        for (index, watch) in polled.enumerated() {
            let revents = Int32(fds[index + 1].revents)
            // Handling one watch may remove another: only handle those still registered.
            guard revents != 0, watches.contains(watch), dbus_watch_get_enabled(watch) != 0 else { continue }
            var flags: UInt32 = 0
            if revents & Int32(POLLIN) != 0 { flags |= DBUS_WATCH_READABLE.rawValue }
            if revents & Int32(POLLOUT) != 0 { flags |= DBUS_WATCH_WRITABLE.rawValue }
            if revents & Int32(POLLHUP) != 0 { flags |= DBUS_WATCH_HANGUP.rawValue }
            if revents & Int32(POLLERR | POLLNVAL) != 0 { flags |= DBUS_WATCH_ERROR.rawValue }
            _ = dbus_watch_handle(watch, flags)
        }
        fireDueTimeouts()
        return true
    }

    private func timeoutAdded(_ timeout: OpaquePointer) {
        timeouts.append(TimeoutEntry(timeout: timeout, deadline: Self.deadline(for: timeout)))
    }

    private func timeoutToggled(_ timeout: OpaquePointer) {
        guard let index = timeouts.firstIndex(where: { $0.timeout == timeout }) else { return }
        timeouts[index].deadline = Self.deadline(for: timeout)
    }

    private static func deadline(for timeout: OpaquePointer) -> ContinuousClock.Instant? {
        guard dbus_timeout_get_enabled(timeout) != 0 else { return nil }
        return .now + .milliseconds(Int(dbus_timeout_get_interval(timeout)))
    }

    /// Milliseconds until the nearest armed timeout, rounded up; -1 (no limit) when none is armed.
    private func pollTimeout() -> Int32 {
        guard let nearest = timeouts.compactMap(\.deadline).min() else { return -1 }
        let left = ContinuousClock.now.duration(to: nearest)
        if left <= .zero { return 0 }
        let (seconds, attoseconds) = left.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }

    private func fireDueTimeouts() {
        let now = ContinuousClock.now
        let due = timeouts.filter { ($0.deadline.map { $0 <= now }) ?? false }.map(\.timeout)
        for timeout in due {
            // libdbus timeouts repeat until removed or disabled: re-arm, then handle.
            guard let index = timeouts.firstIndex(where: { $0.timeout == timeout }) else { continue }
            timeouts[index].deadline = Self.deadline(for: timeout)
            _ = dbus_timeout_handle(timeout)
        }
    }
}
