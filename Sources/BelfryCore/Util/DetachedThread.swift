#if canImport(Glibc)
import Glibc
#endif

/// A named, detached pthread for work that blocks (a `poll` loop, an fsync, a child process, a token
/// command), which must stay off Swift's task pool: the one way every module starts a thread.
public enum DetachedThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread named `name` (what `top -H`, `perf` and /proc/PID/task/*/comm
    /// show; 15 bytes at most: a new thread would otherwise carry its creator's name). Returns 0, or
    /// pthread_create's error number, in which case nothing was started.
    @discardableResult
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Int32 {
        let box = Unmanaged.passRetained(Body({ setName(name); body() })).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { argument in
            Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            return rc
        }
        pthread_detach(thread)
        return 0
    }

    /// Runs `body` on a thread of its own and returns what it returns; with no thread to be had, runs
    /// it on the caller's (late rather than never).
    public static func run<T: Sendable, E: Error>(name: String, _ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            let work: @Sendable () -> Void = {
                do throws(E) { continuation.resume(returning: .success(try body())) } catch { continuation.resume(returning: .failure(error)) }
            }
            if start(name: name, work) != 0 { work() }
        }
        return try result.get()
    }

    private static func setName(_ name: String) {
        #if os(Linux)
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = name.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, min(15, $0.count - 1)) }
        close(fd)
        #endif
    }
}
