internal import CBelfryLinux
internal import Glibc

/// A `sockaddr_un` for a filesystem path (no abstract names).
struct UnixSocketAddress {
    private var storage = sockaddr_un()

    /// `sun_path` holds 108 bytes including the terminating NUL.
    static let maxPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    init(path: String) throws(ControlSocketError) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else {
            throw ControlSocketError(code: .invalidPath, message: "invalid control socket path \"\(path)\"")
        }
        guard bytes.count <= Self.maxPathBytes else {
            throw ControlSocketError(
                code: .invalidPath,
                message: "control socket path is \(bytes.count) bytes, longer than the \(Self.maxPathBytes) a Unix socket allows: \(path)")
        }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
    }

    func withSockaddr<R, E: Error>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R) throws(E) -> R {
        try withUnsafePointer(to: storage) { (pointer) throws(E) -> R in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(E) -> R in
                try body(address, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}

/// A new stream socket, close-on-exec, optionally non-blocking.
func makeStreamSocket(nonBlocking: Bool) throws(SystemCallError) -> Int32 {
    try systemCall("socket", belfry_stream_socket(nonBlocking ? 1 : 0))
}
