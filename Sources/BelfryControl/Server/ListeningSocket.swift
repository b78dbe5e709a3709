internal import Glibc
import Logging

/// The bound, listening control socket, and the inode it created (so shutdown removes only its own
/// socket file, never a successor's).
struct ListeningSocket: Sendable {
    let fd: Int32
    let path: String
    private let device: UInt64
    private let inode: UInt64

    /// Prepares the folder (0700, ours), replaces a stale socket, refuses a live one, binds (0600)
    /// and listens. The returned descriptor is non-blocking and close-on-exec.
    static func open(path: String, backlog: Int32 = 64, logger: Logger) throws(ControlSocketError) -> ListeningSocket {
        guard path.hasPrefix("/") else {
            throw ControlSocketError(code: .invalidPath, message: "control socket path must be absolute: \(path)")
        }
        let address = try UnixSocketAddress(path: path)
        try prepareFolder(folder(of: path), logger: logger)
        try removeStaleSocket(at: path, address: address, logger: logger)

        let fd: Int32
        do { fd = try makeStreamSocket(nonBlocking: true) } catch { throw error.socketError() }
        do {
            // No umask(0177) around bind: the mask is per process, and another thread creating a
            // folder meanwhile would get it 0600 (seen in the test suite). The folder is already
            // 0700 and ours, so nobody else can reach the socket before this chmod.
            _ = try address.withSockaddr { (sa, len) throws(SystemCallError) in
                try systemCall("bind \(path)", bind(fd, sa, len))
            }
            try systemCall("chmod \(path)", chmod(path, 0o600))
            try systemCall("listen \(path)", listen(fd, backlog))
            var info = stat()
            try systemCall("stat \(path)", stat(path, &info))
            return ListeningSocket(fd: fd, path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        } catch {
            close(fd)
            if error.errno == EADDRINUSE {
                throw ControlSocketError(
                    code: .alreadyRunning, message: "another belfry agent is already listening on \(path)", errno: error.errno)
            }
            throw error.socketError()
        }
    }

    /// Closes the descriptor and unlinks the path if it is still the socket this value bound.
    func closeAndRemove() {
        close(fd)
        var info = stat()
        if stat(path, &info) == 0, UInt64(info.st_dev) == device, UInt64(info.st_ino) == inode {
            unlink(path)
        }
    }

    static func folder(of path: String) -> String {
        let parent = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).dropLast()
        return "/" + parent.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    }

    /// The folder must be ours and private: created 0700; an existing `…/belfry` folder of ours with
    /// a looser mode is tightened to 0700; refused if it belongs to another uid, is shared (sticky or
    /// world-writable), or is some other folder open to group or others.
    private static func prepareFolder(_ folder: String, logger: Logger) throws(ControlSocketError) {
        if mkdir(folder, 0o700) == 0 {
            logger.debug("created control socket folder", metadata: ["folder": "\(folder)"])
        } else if errno != EEXIST {
            let error = SystemCallError(operation: "mkdir \(folder)", errno: errno)
            throw error.socketError(.system, "cannot create the control socket folder: \(error)")
        }
        var info = stat()
        do { try systemCall("stat \(folder)", stat(folder, &info)) } catch { throw error.socketError() }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw ControlSocketError(code: .insecurePath, message: "\(folder) is not a folder")
        }
        let me = geteuid()
        guard info.st_uid == me else {
            throw ControlSocketError(
                code: .insecurePath,
                message: "control socket folder \(folder) belongs to uid \(info.st_uid), not to uid \(me); refusing to use it")
        }
        let mode = info.st_mode & 0o7777
        if mode & (S_ISVTX | 0o002) != 0 {
            throw ControlSocketError(
                code: .insecurePath,
                message: "control socket folder \(folder) is shared (mode \(octal(mode))); use a private folder")
        }
        if mode != 0o700 {
            // Tighten only Belfry's own folder; a folder the user pointed us into (a home, a
            // shared runtime folder) is not ours to change.
            guard folder.hasSuffix("/belfry") else {
                throw ControlSocketError(
                    code: .insecurePath,
                    message: "control socket folder \(folder) is open to other users (mode \(octal(mode))); "
                        + "use a private folder (mode 0700) such as $XDG_RUNTIME_DIR/belfry")
            }
            do { try systemCall("chmod \(folder)", chmod(folder, 0o700)) } catch { throw error.socketError() }
            logger.notice(
                "tightened control socket folder mode",
                metadata: ["folder": "\(folder)", "from": "\(octal(mode))", "to": "0700"])
        }
    }

    /// A socket file nobody listens on (ECONNREFUSED) is left over from a crash: remove it. One that
    /// answers belongs to a running agent: refuse. Anything that is not a socket is never removed.
    private static func removeStaleSocket(
        at path: String, address: UnixSocketAddress, logger: Logger
    ) throws(ControlSocketError) {
        var info = stat()
        if lstat(path, &info) != 0 {
            if errno == ENOENT { return }
            throw SystemCallError(operation: "lstat \(path)", errno: errno).socketError()
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ControlSocketError(
                code: .insecurePath, message: "\(path) exists and is not a socket; refusing to replace it")
        }
        let probe: Int32
        do { probe = try makeStreamSocket(nonBlocking: true) } catch { throw error.socketError() }
        defer { close(probe) }
        do {
            _ = try address.withSockaddr { (sa, len) throws(SystemCallError) in
                try systemCall("connect \(path)", connect(probe, sa, len))
            }
        } catch {
            switch error.errno {
            case ECONNREFUSED:
                if unlink(path) != 0 && errno != ENOENT {
                    throw SystemCallError(operation: "unlink stale socket \(path)", errno: errno).socketError()
                }
                logger.notice("removed stale control socket", metadata: ["path": "\(path)"])
                return
            case ENOENT:
                return
            case EAGAIN, EINPROGRESS:
                break  // a listener with a full backlog is still a live listener
            default:
                throw error.socketError(.system, "cannot check the existing control socket: \(error)")
            }
        }
        throw ControlSocketError(code: .alreadyRunning, message: "another belfry agent is already listening on \(path)")
    }
}

func octal(_ mode: mode_t) -> String {
    "0" + String(mode, radix: 8)
}
