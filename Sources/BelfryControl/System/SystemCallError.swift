internal import Glibc

/// A failed system call: which call, on what, and errno.
struct SystemCallError: Error, CustomStringConvertible {
    var operation: String
    var errno: Int32

    var description: String { "\(operation): \(String(cString: strerror(errno)))" }

    var isWouldBlock: Bool { errno == EAGAIN || errno == EWOULDBLOCK }

    /// The same failure as a `ControlSocketError` (code `.system` unless the caller picks one).
    func socketError(_ code: ControlSocketError.Code = .system, _ message: String? = nil) -> ControlSocketError {
        ControlSocketError(code: code, message: message ?? description, errno: errno)
    }
}

/// The one place errno becomes a Swift error: runs `call` until it returns something other than -1
/// with EINTR. Never use it for close(2): on Linux the descriptor is gone even after EINTR.
@discardableResult
func systemCall<Result: FixedWidthInteger>(
    _ operation: @autoclosure () -> String, _ call: @autoclosure () -> Result
) throws(SystemCallError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Glibc.errno
        if error == EINTR { continue }
        throw SystemCallError(operation: operation(), errno: error)
    }
}
