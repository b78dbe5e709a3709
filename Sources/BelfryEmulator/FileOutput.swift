#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered output straight to the file descriptors: the "listening on" line must reach a pipe at
/// once, since scripts wait for it.
enum FileOutput {
    static func line(_ text: String) { write(to: STDOUT_FILENO, text + "\n") }

    static func error(_ text: String) { write(to: STDERR_FILENO, text + "\n") }

    private static func write(to fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.write(fd, raw.baseAddress, raw.count)
                #else
                Darwin.write(fd, raw.baseAddress, raw.count)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
