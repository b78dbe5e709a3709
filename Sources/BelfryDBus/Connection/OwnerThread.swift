import BelfryCore
internal import Glibc

/// Starts the detached thread that owns a connection. A plain pthread: the connection's blocking
/// calls (connect, Hello, flush) and its `poll()` must stay off Swift's cooperative pool.
enum OwnerThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    static func start(_ run: @escaping @Sendable () -> Void) throws(BusError) {
        let body = Unmanaged.passRetained(Body(run)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { argument in
            ThreadName.set("belfry-dbus")
            Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, body)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw BusError(.connectFailed, "cannot start the D-Bus thread: \(String(cString: strerror(rc)))")
        }
        pthread_detach(thread)
    }
}
