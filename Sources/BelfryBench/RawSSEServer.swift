import Foundation
import Glibc
import Synchronization

/// A loopback HTTP server speaking the visual-layer emulator's wire format with nothing in between:
/// stream requests get the SSE headers and stay open, every other request an empty listing. Events are
/// written with one `write(2)` per open stream, and `send` returns the CLOCK_MONOTONIC time taken
/// just before that write — the "server writes the event" timestamp of the latency figure.
final class RawSSEServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let streams = Mutex<[Int32]>([])
    private let stopped = Atomic<Bool>(false)
    private var thread: Thread?

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        listener = fd
        let t = Thread { [self] in self.serve() }
        thread = t
        t.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var openStreams: Int { streams.withLock { $0.count } }

    private func serve() {
        while !stopped.load(ordering: .relaxed) {
            var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) == 1 else { continue }
            let conn = accept(listener, nil, nil)
            guard conn >= 0 else { continue }
            var one: Int32 = 1
            setsockopt(conn, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var request: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            var cpfd = pollfd(fd: conn, events: Int16(POLLIN), revents: 0)
            while request.count < 65536, poll(&cpfd, 1, 2000) == 1 {
                let n = read(conn, &buf, buf.count)
                if n <= 0 { break }
                request += buf[0..<n]
                if String(decoding: request, as: UTF8.self).contains("\r\n\r\n") { break }
            }
            let line = String(decoding: request.prefix(while: { $0 != 0x0D }), as: UTF8.self)
            if line.contains("/stream") {
                writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n")
                streams.withLock { $0.append(conn) }
            } else {
                let body = #"{"items":[],"total":0,"has_more":false}"#
                writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
                close(conn)
            }
        }
    }

    @discardableResult
    private func writeAll(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return false }
            off += n
        }
        return true
    }

    /// Writes `text` to every open stream; returns the time just before the first write.
    func send(_ text: String) -> UInt64 {
        let bytes = Array(text.utf8)
        return streams.withLock { fds -> UInt64 in
            let t0 = nowNS()
            fds.removeAll { fd in
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n != bytes.count { close(fd); return true }
                return false
            }
            return t0
        }
    }

    func closeStreams() { streams.withLock { fds in fds.forEach { close($0) }; fds.removeAll() } }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        while thread?.isFinished == false { usleep(10_000) }
        closeStreams()
        close(listener)
    }
}
