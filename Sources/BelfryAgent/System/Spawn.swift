import BelfryCore
import Glibc

/// Starting programs without a shell: argv goes straight to posix_spawnp, so nothing in a URL or a
/// config value is ever interpreted by a shell.
public enum Spawn {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Starts `argv` detached from our stdio (stdin /dev/null), with `extraEnv` added to our environment,
    /// and reaps it on a background thread. Returns its pid.
    @discardableResult
    public static func detached(_ argv: [String], extraEnv: [String: String] = [:]) throws(Failure) -> pid_t {
        let pid = try spawn(argv, extraEnv: extraEnv, stdoutFD: nil)
        reap(pid)
        return pid
    }

    /// Runs `argv` and returns its standard output, failing on a non-zero exit or after `timeout`.
    public static func output(_ argv: [String], timeout: Duration = .seconds(10), maxBytes: Int = 64 << 10) throws(Failure) -> String {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(message: "pipe failed") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let pid: pid_t
        do { pid = try spawn(argv, extraEnv: [:], stdoutFD: fds[1]) } catch {
            close(fds[0]); close(fds[1])
            throw error
        }
        close(fds[1])
        defer { close(fds[0]) }
        var out: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero {
                kill(pid, SIGKILL)
                _ = waitStatus(pid)
                throw Failure(message: "\(argv[0]) did not finish within \(timeout)")
            }
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(max(1, left.milliseconds)))
            if r < 0, errno == EINTR { continue }
            if r <= 0 { continue }
            let n = read(fds[0], &buf, buf.count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
            if out.count > maxBytes {
                kill(pid, SIGKILL)
                _ = waitStatus(pid)
                throw Failure(message: "\(argv[0]) printed more than \(maxBytes) bytes")
            }
        }
        let status = waitStatus(pid)
        guard status == 0 else { throw Failure(message: "\(argv[0]) exited with status \(status)") }
        return String(decoding: out, as: UTF8.self)
    }

    private static func spawn(_ argv: [String], extraEnv: [String: String], stdoutFD: Int32?) throws(Failure) -> pid_t {
        guard let exe = argv.first, !exe.isEmpty else { throw Failure(message: "empty command") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let fd = stdoutFD { posix_spawn_file_actions_adddup2(&actions, fd, 1) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // New session: the child outlives us and gets no signals meant for the agent.
        posix_spawnattr_setflags(&attr, Int16(posixSpawnSetSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attr, &all)

        var env = ProcessEnvironment.current
        for (k, v) in extraEnv { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, exe, &actions, &attr, cArgs, cEnv)
        guard rc == 0 else { throw Failure(message: "cannot start \(exe): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// glibc's POSIX_SPAWN_SETSID (0x80), hidden behind _GNU_SOURCE in the C headers.
    private static let posixSpawnSetSID: Int32 = 0x80

    private static func waitStatus(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    private static func reap(_ pid: pid_t) {
        // No thread to be had: reap here rather than leave a zombie.
        if DetachedThread.start(name: "belfry-reaper", { _ = waitStatus(pid) }) != 0 { _ = waitStatus(pid) }
    }
}

/// The process environment as a dictionary (read from `environ`, without Foundation's ProcessInfo).
public enum ProcessEnvironment {
    public static var current: [String: String] {
        var env: [String: String] = [:]
        var e = environ
        while let entry = e.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            e += 1
        }
        return env
    }
}
