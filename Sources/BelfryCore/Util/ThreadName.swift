#if canImport(Glibc)
import Glibc
#endif

/// Names the calling thread as `top -H`, `ps -L`, `perf` and /proc/PID/task/*/comm show it. A new
/// thread inherits the name of the thread that started it (a task pool thread, usually), so each
/// thread belfry starts names itself for what it does.
public enum ThreadName {
    /// Linux keeps at most 15 bytes of it.
    public static func set(_ name: String) {
        #if os(Linux)
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = name.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, min(15, $0.count - 1)) }
        close(fd)
        #endif
    }
}
