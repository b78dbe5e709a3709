import BelfryAgent
import Foundation
import Glibc
import Testing

/// A datagram socket standing in for systemd's $NOTIFY_SOCKET.
final class NotifySocket: @unchecked Sendable {
    let fd: Int32
    /// What goes into NOTIFY_SOCKET (a path, or `@name` for an abstract socket).
    let address: String

    init(abstract: Bool) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let name = "belfry-notify-\(UUID().uuidString.prefix(8))"
        address = abstract ? "@" + name : NSTemporaryDirectory() + name
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        try #require(rc == 0, "bind \(address): \(String(cString: strerror(errno)))")
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        Glibc.close(fd)
        if !address.hasPrefix("@") { unlink(address) }
    }

    /// The next datagram, waiting at most `timeout`.
    func receive(timeout: Duration = .seconds(10)) async -> String? {
        let end = ContinuousClock.now + timeout
        var buf = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < end {
            let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
            if n > 0 { return String(decoding: buf[0..<n], as: UTF8.self) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Datagrams until one contains `text` (bounded); all of them, in order.
    func receive(until text: String, timeout: Duration = .seconds(15)) async -> [String] {
        let end = ContinuousClock.now + timeout
        var got: [String] = []
        while ContinuousClock.now < end, let m = await receive(timeout: end - ContinuousClock.now) {
            got.append(m)
            if m.contains(text) { break }
        }
        return got
    }
}

@Suite(.serialized) struct SystemdNotifyTests {
    @Test(arguments: [false, true]) func theNotifierSpeaksThePlainDatagramProtocol(abstract: Bool) async throws {
        let socket = try NotifySocket(abstract: abstract)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address])
        #expect(notifier.isActive)
        #expect(notifier.send("READY=1", "STATUS=1/1 sources ok, 0 unread"))
        #expect(await socket.receive() == "READY=1\nSTATUS=1/1 sources ok, 0 unread")
        #expect(notifier.send("WATCHDOG=1"))
        #expect(await socket.receive() == "WATCHDOG=1")
    }

    @Test func withoutNotifySocketItIsANoOp() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        #expect(!notifier.send("READY=1"))
    }

    @Test func watchdogIntervalFollowsTheEnvironment() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"]) == .seconds(30))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]) == .seconds(30))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
    }

    /// The real binary under a fake systemd: READY=1 with a STATUS, WATCHDOG=1 pings, SIGHUP bracketed
    /// by RELOADING=1 + MONOTONIC_USEC then READY=1, SIGTERM ends with STOPPING=1 and exit 0.
    @Test func theRealBinaryReportsReadyReloadAndStopping() async throws {
        try await withWorld(server: false) { w in
            let socket = try NotifySocket(abstract: false)
            try w.configText().write(toFile: w.dir + "/config.toml", atomically: true, encoding: .utf8)
            let env = ["HOME": w.dir, "XDG_RUNTIME_DIR": w.dir + "/run", "PATH": "/usr/bin:/bin",
                       "NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "3000000"]
            let agent = try RealBinary(["run", "--config", w.dir + "/config.toml", "--sink", "stdout"],
                                       environment: env, output: w.dir + "/agent.log")
            defer { if agent.process.isRunning { agent.signal(SIGKILL) } }
            let ready = await socket.receive(until: "READY=1")
            #expect(ready.last?.contains("READY=1") == true, "\(ready) \(agent.text)")
            #expect(ready.last?.contains("STATUS=") == true)
            let pings = await socket.receive(until: "WATCHDOG=1", timeout: .seconds(5))
            #expect(pings.last == "WATCHDOG=1", "WATCHDOG_USEC=3s: a ping within a second or so")
            let before = SystemdNotifier.monotonicMicroseconds()
            agent.signal(SIGHUP)
            let reload = await socket.receive(until: "RELOADING=1").last ?? ""
            #expect(reload.contains("RELOADING=1"))
            let usec = reload.split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap { UInt64($0.dropFirst(15)) }
            #expect(usec != nil && usec! >= before, "MONOTONIC_USEC on CLOCK_MONOTONIC: \(reload)")
            let after = await socket.receive(until: "READY=1")
            #expect(after.last?.contains("READY=1") == true, "READY=1 after the reload: \(after)")
            agent.signal(SIGTERM)
            let stopping = await socket.receive(until: "STOPPING=1")
            #expect(stopping.last?.contains("STOPPING=1") == true)
            #expect(await agent.waitForExit() == 0)
        }
    }
}
