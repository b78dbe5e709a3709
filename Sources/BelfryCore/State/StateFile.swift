import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The JSON state file: read at start, written atomically (temp file, fsync, rename, fsync of the
/// folder), guarded by an exclusive lock file so two agents never share one state.
///
/// Its siblings (`.lock`, `.journal`, `.tmp`, `.journal.tmp`) are never opened through a symbolic
/// link (`O_NOFOLLOW`): one planted there would have the agent truncate or write whatever it points
/// at. A temp file is unlinked and created afresh (`O_CREAT | O_EXCL`), which drops a planted link
/// (never its target); a journal that is a link is dropped the same way; a lock that is a link is
/// refused with a message saying so (removing it could race another agent starting).
public final class StateFile: @unchecked Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public let path: String
    private var lockFD: Int32 = -1
    private var journalFD: Int32 = -1

    /// Keys recorded since the last save, one JSON string per line: written (without fsync) just
    /// before each popup is sent, replayed by `load`, emptied by `save`. The state file is
    /// written only after a debounce, so without it a `kill -9` (or any crash) in that window forgot
    /// items that had already popped, and they popped again after the restart (found by the soak).
    /// Page-cache writes survive the death of the process; only a power cut can lose them.
    public var journalPath: String { path + ".journal" }

    /// `$XDG_STATE_HOME/belfry/state.json`, else `~/.local/state/belfry/state.json`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let x = environment["XDG_STATE_HOME"], x.hasPrefix("/") { return x + "/belfry/state.json" }
        return (environment["HOME"] ?? "") + "/.local/state/belfry/state.json"
    }

    public init(path: String) {
        self.path = path
    }

    deinit {
        unlock()
        if journalFD >= 0 { close(journalFD) }
    }

    var folder: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Creates the folder (0700) and takes the lock; a second agent gets a message naming the holder.
    public func lock() throws(Failure) {
        try Self.makeFolders(folder)
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == ELOOP {
                throw Failure(message: "\(lockPath) is a symbolic link; belfry does not follow it (remove it, then start again)")
            }
            throw Failure(message: "cannot open \(lockPath): \(Self.errnoText())")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buf = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buf, 31, 0)
            let holder = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingWhitespace() : "?"
            close(fd)
            throw Failure(message: "another belfry agent (pid \(holder)) is already running with the state file \(path); stop it first (systemctl --user stop belfry)")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        lockFD = fd
    }

    public func unlock() {
        if lockFD >= 0 {
            close(lockFD)
            lockFD = -1
        }
    }

    /// The saved state; a missing file is a fresh state. A file that does not parse is moved aside and
    /// reported through `warning`, and a fresh state is returned. A file in a newer format (written by
    /// a newer belfry) is refused, left as it is: the error names the file and both versions.
    public func load(warning: (String) -> Void) throws(Failure) -> PersistedState {
        var state = try loadFile(warning: warning)
        applyJournal(to: &state)
        return state
    }

    private func loadFile(warning: (String) -> Void) throws(Failure) -> PersistedState {
        guard let data = FileManager.default.contents(atPath: path) else { return PersistedState() }
        do {
            return try StateCodec.decode(data)
        } catch let error as StateCodec.TooNew {
            throw Failure(message: "the state file \(path) has format version \(error.found), and this belfry reads format \(PersistedState.currentVersion) at most: it was written by a newer belfry. Run that version again, or move the file away to start afresh (the file was left as it is)")
        } catch {
            // Never over an earlier backup: two bad files in the same second keep both.
            let stem = path + ".corrupt-\(Int(Date().timeIntervalSince1970))"
            let aside = (1...100).lazy.map { $0 == 1 ? stem : "\(stem)-\($0)" }.first { access($0, F_OK) != 0 } ?? stem + "-last"
            if rename(path, aside) == 0 {
                warning("the state file \(path) could not be read (\(error)); moved it to \(aside) and started afresh (the backlog will be summarised, not popped)")
            } else {
                warning("the state file \(path) could not be read (\(error)) nor moved aside (\(Self.errnoText())); started afresh, and the next save replaces it")
            }
            return PersistedState()
        }
    }

    /// Keys journaled after the last save count as seen (unread): they popped before the agent died.
    /// A known key journaled again was new activity whose revision the save missed.
    /// A line that does not parse (a write cut short) is skipped.
    private func applyJournal(to state: inout PersistedState) {
        guard let data = Self.readNoFollow(journalPath), !data.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let key = (try? JSONValue.parse(Array(line)))?.string, let (source, id) = Item.splitKey(key) else { continue }
            var s = state.sources.removeValue(forKey: source) ?? SourceState()
            if var rec = s.seen[id] {
                // Popped again after the save (new activity): unread, and its revision unknown, so the
                // next listing adopts it silently instead of popping it a second time.
                rec.read = false
                rec.revision = nil
                s.seen[id] = rec
            } else {
                s.seen[id] = SeenRecord(firstSeen: now)
            }
            state.sources[source] = s
        }
    }

    /// Appends `keys` (`SOURCE:ID`) to the journal with one write(2).
    public func journal(_ keys: [String]) throws(Failure) {
        guard !keys.isEmpty else { return }
        if journalFD < 0 {
            try Self.makeFolders(folder)
            var fd = open(journalPath, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd < 0, errno == ELOOP {
                // A link where the journal goes: drop the link (its target is left alone), start a new one.
                unlink(journalPath)
                fd = open(journalPath, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            }
            guard fd >= 0 else { throw Failure(message: "cannot open \(journalPath): \(Self.errnoText())") }
            journalFD = fd
        }
        try Self.appendLines(keys, to: journalFD, path: journalPath)
    }

    /// One JSON string per line, escaped by hand (a JSONEncoder per key cost ~15 µs on the popup
    /// path), with one write(2) for all of them.
    private static func appendLines(_ keys: [String], to fd: Int32, path: String) throws(Failure) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(keys.count * 40)
        for key in keys {
            StateCodec.appendString(key, to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(message: "cannot write \(path): \(Self.errnoText())")
            }
            off += n
        }
    }

    /// Writes atomically: a crash at any moment leaves either the old or the new file, both parseable.
    /// Everything journaled is in the file then, so the journal is emptied.
    public func save(_ state: PersistedState) throws(Failure) {
        try writeStateFile(state)
        try replaceJournal(keeping: [])
    }

    /// The atomic write of `save` without touching the journal: safe on another thread while keys are
    /// journaled (it uses no shared state of this object). The caller then calls
    /// `replaceJournal(keeping:)` with the keys journaled after `state` was taken.
    public func writeStateFile(_ state: PersistedState) throws(Failure) {
        let data: [UInt8]
        do { data = try StateCodec.encode(state) } catch { throw Failure(message: "cannot encode the state: \(error)") }
        try Self.makeFolders(folder)
        let tmp = path + ".tmp"
        let fd = try Self.createFresh(tmp, append: false)
        var ok = data.withUnsafeBytes { raw -> Bool in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                off += n
            }
            return true
        }
        var err = ok ? "" : Self.errnoText()
        if ok, fsync(fd) != 0 { ok = false; err = Self.errnoText() }
        close(fd)
        guard ok else {
            unlink(tmp)
            throw Failure(message: "cannot write \(tmp): \(err)")
        }
        guard rename(tmp, path) == 0 else {
            let e = Self.errnoText()
            unlink(tmp)
            throw Failure(message: "cannot replace \(path): \(e)")
        }
        let dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// After a state file holding every key journaled before it was taken has been written: the journal
    /// keeps only `keys` (journaled since). Replaced by a rename, so a crash leaves the old journal
    /// (a superset: its keys are seen either way) or the new one, never a journal without them.
    public func replaceJournal(keeping keys: [String]) throws(Failure) {
        if keys.isEmpty {
            if journalFD >= 0 {
                _ = ftruncate(journalFD, 0)
            } else {
                // truncate(2) would follow a link: open without following, then truncate what was opened.
                let fd = open(journalPath, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
                if fd >= 0 {
                    _ = ftruncate(fd, 0)
                    close(fd)
                } else if errno == ELOOP {
                    unlink(journalPath)
                }
            }
            return
        }
        let tmp = journalPath + ".tmp"
        let fd = try Self.createFresh(tmp, append: true)
        do {
            try Self.appendLines(keys, to: fd, path: tmp)
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        guard rename(tmp, journalPath) == 0 else {
            let e = Self.errnoText()
            close(fd)
            unlink(tmp)
            throw Failure(message: "cannot replace \(journalPath): \(e)")
        }
        if journalFD >= 0 { close(journalFD) }
        journalFD = fd  // the new journal: later keys append to it
    }

    /// A new empty file at `path` (0600) for writing: whatever was there (a stale temp file from a
    /// crash, or a planted symbolic link) is unlinked first, then the file is created exclusively and
    /// without following links, so the descriptor is always a file of our own.
    static func createFresh(_ path: String, append: Bool) throws(Failure) -> Int32 {
        if unlink(path) != 0, errno != ENOENT {
            throw Failure(message: "cannot remove the stale \(path): \(errnoText())")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : 0), 0o600)
        guard fd >= 0 else { throw Failure(message: "cannot write \(path): \(errnoText())") }
        return fd
    }

    /// The whole file at `path`, nil when it is missing, unreadable or a symbolic link.
    static func readNoFollow(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    static func makeFolders(_ folder: String) throws(Failure) {
        var current = ""
        for part in folder.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0, errno != EEXIST {
                throw Failure(message: "cannot create \(current): \(errnoText())")
            }
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
