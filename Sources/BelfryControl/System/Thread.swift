import BelfryCore
internal import Glibc

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Runs `body` on a new detached thread named `name` (not on Swift's cooperative pool: it may block
/// in poll).
func startThread(name: String, _ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
    let box = Unmanaged.passRetained(ThreadBody({ ThreadName.set(name); body() })).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { argument in
        Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().run()
        return nil
    }, box)
    guard result == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        throw SystemCallError(operation: "pthread_create", errno: result)
    }
    pthread_detach(thread)
}
