import Foundation
import Glibc

/// Monotonic nanoseconds (CLOCK_MONOTONIC): the one clock every timestamp in the suite is taken on.
func nowNS() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }

/// The q-quantile (0…1) of `values`, nearest-rank.
func quantile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let s = values.sorted()
    let rank = Int((q * Double(s.count)).rounded(.up))
    return s[max(0, min(s.count - 1, rank - 1))]
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func log(_ s: String) {
    FileHandle.standardError.write(Data(("bench: " + s + "\n").utf8))
}

/// Waits (bounded) until `condition` holds; polls every `step`.
func waitUntil(_ what: String, timeout: Duration, step: Duration = .milliseconds(1),
               _ condition: () async throws -> Bool) async throws {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: step)
    }
    throw BenchError("timed out after \(timeout) waiting for \(what)")
}

/// Reading /proc for a process.
enum Proc {
    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// A `Key:   123 kB` field of /proc/PID/status or smaps_rollup, in kB.
    static func kB(_ file: String, _ key: String) -> Int? {
        for line in text(file).split(separator: "\n") where line.hasPrefix(key + ":") {
            return Int(line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    static func status(_ pid: pid_t, _ key: String) -> Int? { kB("/proc/\(pid)/status", key) }
    static func pss(_ pid: pid_t) -> Int? { kB("/proc/\(pid)/smaps_rollup", "Pss") }

    /// utime + stime in clock ticks.
    static func cpuTicks(_ pid: pid_t) -> Int? {
        let s = text("/proc/\(pid)/stat")
        guard let close = s.lastIndex(of: ")") else { return nil }
        let fields = s[s.index(after: close)...].split(separator: " ")
        // fields[0] is state (field 3); utime is field 14, stime 15.
        guard fields.count > 13, let u = Int(fields[11]), let st = Int(fields[12]) else { return nil }
        return u + st
    }

    /// Voluntary + involuntary context switches summed over every thread of the process.
    static func contextSwitches(_ pid: pid_t) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var total = 0
        for t in tasks {
            let f = "/proc/\(pid)/task/\(t)/status"
            total += (kB(f, "voluntary_ctxt_switches") ?? 0) + (kB(f, "nonvoluntary_ctxt_switches") ?? 0)
        }
        return total
    }

    static func threads(_ pid: pid_t) -> Int { status(pid, "Threads") ?? 0 }
}

/// A child process in its own process group (so a shell pipeline is stopped as a whole by its pgid,
/// which is the child's own pid).
final class Child: @unchecked Sendable {
    let pid: pid_t
    private var reaped = false

    init(_ argv: [String], environment: [String: String], stdoutPath: String = "/dev/null",
         stderrPath: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        guard rc == 0 else { throw BenchError("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    var isRunning: Bool {
        if reaped { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { reaped = true; return false }
        return true
    }

    /// SIGTERM to the child's process group, SIGKILL after 3 s; reaps the child.
    func stop() {
        guard !reaped else { return }
        kill(-pid, SIGTERM)
        for _ in 0..<300 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { reaped = true; break }
            usleep(10_000)
        }
        if !reaped {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            reaped = true
        }
        kill(-pid, SIGKILL) // anything left in the group (a pipeline's other members)
    }

    /// `kill -9` of the child's process group (no chance to save anything); reaps the child.
    func kill9() {
        guard !reaped else { return }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        reaped = true
    }

    deinit { stop() }
}

/// A scratch folder removed at the end.
final class Scratch: @unchecked Sendable {
    let path: String
    init(_ tag: String) throws {
        path = NSTemporaryDirectory() + "belfry-bench-\(tag)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path + "/run", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }
    func write(_ name: String, _ text: String) throws -> String {
        let p = path + "/" + name
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The `belfry` binary built beside this one (same configuration).
var belfryBinary: String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return (exe as NSString).deletingLastPathComponent + "/belfry"
}

/// A config for a child or in-process agent.
func agentConfig(dir: String, preset: String, baseURL: String, transport: String = "auto",
                 pollInterval: String = "60s", desktop: String = "", agent: String = "") -> String {
    """
    [agent]
    state_file = "\(dir)/state.json"
    control_socket = "\(dir)/run/control.sock"
    log_level = "warning"
    \(agent)
    [desktop]
    \(desktop)
    [[source]]
    name = "bench"
    preset = "\(preset)"
    base_url = "\(baseURL)"
    web_url = "https://app.example.com"
    token = "test-token"
    transport = "\(transport)"
    poll_interval = "\(pollInterval)"
    """
}

/// Starts `belfry run` (`binary`: the development build by default) on `config` against the private bus.
func startAgent(config: String, scratch: Scratch, busAddress: String, binary: String = belfryBinary) throws -> Child {
    let path = try scratch.write("config.toml", config)
    return try Child([binary, "run", "--config", path, "--sink", "dbus"],
                     environment: ["HOME": scratch.path, "XDG_RUNTIME_DIR": scratch.path + "/run",
                                   "DBUS_SESSION_BUS_ADDRESS": busAddress, "PATH": "/usr/bin:/bin"],
                     stderrPath: scratch.path + "/agent.log")
}
