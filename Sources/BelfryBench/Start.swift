import BelfryTestSupport
import Foundation
import Glibc

/// Figure 5: exec of `belfry run` → its first HTTP request's bytes arrive on a raw loopback socket
/// (no emulator, no HTTP server in the way), timed in this process on CLOCK_MONOTONIC. Floors in the
/// same run: exec → exit of /bin/true, and of `belfry config-example` (the Swift runtime, Foundation
/// and every linked library loaded, no agent work).
struct Start {
    struct Result {
        var firstRequest: [Double] = []
        var trueExit: [Double] = []
        var cliExit: [Double] = []
    }

    var runs = 15
    /// The `belfry` measured: the development build beside the bench, or the packaged one (`installed`).
    var binary = belfryBinary

    func run() throws -> Result {
        let bus = try PrivateBus()
        defer { bus.stop() }
        var r = Result()
        for _ in 0..<runs {
            r.trueExit.append(try timeToExit(["/bin/true"]))
            r.cliExit.append(try timeToExit([binary, "config-example"]))
            r.firstRequest.append(try firstRequest(busAddress: bus.address))
        }
        return r
    }

    private func timeToExit(_ argv: [String]) throws -> Double {
        let t0 = nowNS()
        let c = try Child(argv, environment: ["PATH": "/usr/bin:/bin", "HOME": "/tmp"])
        var status: Int32 = 0
        waitpid(c.pid, &status, 0)
        let t1 = nowNS()
        c.stop()
        return ms(t1 - t0)
    }

    private func firstRequest(busAddress: String) throws -> Double {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        listen(fd, 8)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let scratch = try Scratch("start")
        let t0 = nowNS()
        let agent = try startAgent(config: agentConfig(dir: scratch.path, preset: "jaot", baseURL: "http://127.0.0.1:\(port)",
                                                       transport: "poll"),
                                   scratch: scratch, busAddress: busAddress, binary: binary)
        defer { agent.stop() }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 10_000) == 1 else { throw BenchError("no request within 10 s: \(Proc.text(scratch.path + "/agent.log"))") }
        let conn = accept(fd, nil, nil)
        guard conn >= 0 else { throw BenchError("accept") }
        defer { close(conn) }
        var cpfd = pollfd(fd: conn, events: Int16(POLLIN), revents: 0)
        guard poll(&cpfd, 1, 10_000) == 1 else { throw BenchError("no request bytes") }
        let t1 = nowNS()
        var buf = [UInt8](repeating: 0, count: 4096)
        _ = read(conn, &buf, buf.count)
        return ms(t1 - t0)
    }
}
