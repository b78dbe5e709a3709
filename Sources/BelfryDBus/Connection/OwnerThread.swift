import BelfryCore
internal import Glibc

/// Starts the detached thread that owns a connection. A plain pthread: the connection's blocking
/// calls (connect, Hello, flush) and its `poll()` must stay off Swift's cooperative pool.
enum OwnerThread {
    static func start(_ run: @escaping @Sendable () -> Void) throws(BusError) {
        let rc = DetachedThread.start(name: "belfry-dbus", run)
        guard rc == 0 else {
            throw BusError(.connectFailed, "cannot start the D-Bus thread: \(String(cString: strerror(rc)))")
        }
    }
}
