import Glibc
import Synchronization

/// A private `dbus-daemon` for one test: its own config (no service activation, so no real
/// notification server is ever started behind a test's back) listening on `<tmpdir>/bus`.
///
/// `address` has no `guid`, so after `kill()` and `restart()` clients can reach the new daemon at
/// the same address. `stop()` (also run on deinit) ends the daemon by its pid and waits for it.
public final class PrivateBus: Sendable {
    /// `unix:path=<directory>/bus`.
    public let address: String
    public let socketPath: String
    /// The temporary folder holding the config, the socket and the daemon's log.
    public let directory: String
    private let pidBox = Mutex<pid_t?>(nil)

    /// Starts the daemon and waits (at most `startTimeout`) until it printed its address.
    public init(startTimeout: Duration = .seconds(5)) throws {
        var template = Array("/tmp/belfry-bus-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestSupportError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        socketPath = directory + "/bus"
        address = "unix:path=" + socketPath
        try Self.writeFile(directory + "/bus.conf", Self.config(socketPath: socketPath))
        try restart(startTimeout: startTimeout)
    }

    deinit {
        stop()
        for name in ["bus", "bus.conf", "daemon.log"] { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    /// The daemon's pid while it runs.
    public var pid: pid_t? { pidBox.withLock { $0 } }

    /// Starts a daemon on the same socket path (after `kill()` or `stop()`); no-op while one runs.
    public func restart(startTimeout: Duration = .seconds(5)) throws {
        guard pid == nil else { return }
        let pid = try Self.spawn(directory: directory, socketPath: socketPath, timeout: startTimeout)
        pidBox.withLock { $0 = pid }
    }

    /// SIGTERM, then (after 3 s at most) SIGKILL; waits until the process is reaped.
    public func stop() {
        guard let pid = pidBox.withLock({ p -> pid_t? in defer { p = nil }; return p }) else { return }
        Self.terminate(pid, signal: SIGTERM)
    }

    /// SIGKILL, as if the bus crashed: clients see the connection drop. The socket file stays.
    public func kill() {
        guard let pid = pidBox.withLock({ p -> pid_t? in defer { p = nil }; return p }) else { return }
        Self.terminate(pid, signal: SIGKILL)
    }

    /// The daemon's stderr so far (for failure messages).
    public var log: String {
        guard let file = fopen(directory + "/daemon.log", "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Process handling

    private static func config(socketPath: String) -> String {
        """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:path=\(socketPath)</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>

        """
    }

    private static func spawn(directory: String, socketPath: String, timeout: Duration) throws -> pid_t {
        var pipeFDs: [Int32] = [-1, -1]
        // A socket pair rather than pipe(): it can be made close-on-exec atomically (pipe2 is not
        // visible from Swift), so daemons that parallel tests spawn never inherit it.
        let type = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &pipeFDs) == 0 else { throw TestSupportError("socketpair failed: errno \(errno)") }
        let (readEnd, writeEnd) = (pipeFDs[0], pipeFDs[1])
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addopen(&actions, 2, directory + "/daemon.log", O_WRONLY | O_CREAT | O_APPEND, 0o600)

        let arguments = [
            "dbus-daemon", "--config-file=\(directory)/bus.conf", "--nofork", "--nopidfile",
            "--print-address=1", "--address=unix:path=\(socketPath)",
        ]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // The daemon starts with default signal handling and nothing blocked, whatever the test
        // runner's thread had, so SIGTERM ends it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "dbus-daemon", &actions, &attributes, &argv, environ)
        close(writeEnd)
        guard rc == 0 else { throw TestSupportError("cannot start dbus-daemon: \(String(cString: strerror(rc)))") }

        do {
            try waitForAddress(readEnd, timeout: timeout)
        } catch {
            terminate(pid, signal: SIGKILL)
            throw error
        }
        return pid
    }

    /// Reads the daemon's stdout until the first line (its address) or the deadline.
    private static func waitForAddress(_ fd: Int32, timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        var output: [UInt8] = []
        while !output.contains(UInt8(ascii: "\n")) {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw TestSupportError("dbus-daemon printed no address within \(timeout)") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&pfd, 1, ms)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 512)
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw TestSupportError("dbus-daemon exited before printing its address") }
            output += buffer[0..<n]
        }
    }

    /// Sends `signal`, waits up to 3 s for the exit, then SIGKILLs and reaps.
    private static func terminate(_ pid: pid_t, signal: Int32) {
        Glibc.kill(pid, signal)
        var status: Int32 = 0
        for _ in 0..<300 {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno == ECHILD) { return }
            usleep(10_000)
        }
        Glibc.kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private static func writeFile(_ path: String, _ contents: String) throws {
        guard let file = fopen(path, "w") else { throw TestSupportError("cannot write \(path): errno \(errno)") }
        defer { fclose(file) }
        guard fputs(contents, file) >= 0 else { throw TestSupportError("cannot write \(path)") }
    }
}
