import Foundation
import Testing
@testable import BelfryCore

/// Symbolic links planted where the state file's siblings go (`.tmp`, `.journal`, `.journal.tmp`,
/// `.lock`) are never followed: what they point at keeps its bytes, and the agent carries on with
/// files of its own (or, for the lock, refuses with a message that says why).
@Suite struct StateFileSymlinkTests {
    /// A folder with a "victim" file that a planted link points at. Its content is a valid journal
    /// line, so a journal read through the link would show up as a seen key.
    struct Folder {
        let dir: String
        var path: String { dir + "/state.json" }
        var victim: String { dir + "/victim" }
        static let precious = "\"work:planted\"\n"

        init() throws {
            dir = NSTemporaryDirectory() + "belfry-symlink-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try Self.precious.write(toFile: victim, atomically: false, encoding: .utf8)
            chmod(victim, 0o644)
        }

        func plant(_ sibling: String) {
            #expect(symlink(victim, path + sibling) == 0, "planted \(sibling)")
        }

        func victimIsUntouched() {
            #expect((try? String(contentsOfFile: victim, encoding: .utf8)) == Self.precious, "the link's target changed")
            let mode = (try? FileManager.default.attributesOfItem(atPath: victim))?[.posixPermissions] as? Int
            #expect(mode == 0o644, "the link's target changed mode")
        }

        /// `lstat` says a regular file (or nothing) is at `path + sibling`: the link was dropped.
        func isNoLink(_ sibling: String) -> Bool {
            var st = stat()
            guard lstat(path + sibling, &st) == 0 else { return errno == ENOENT }
            return (st.st_mode & S_IFMT) == S_IFREG
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    @Test func plantedTempAndJournalLinksAreDroppedNotFollowed() throws {
        let folder = try Folder()
        defer { folder.remove() }
        for sibling in [".tmp", ".journal", ".journal.tmp"] { folder.plant(sibling) }
        let f = StateFile(path: folder.path)
        try f.lock()
        defer { f.unlock() }
        var state = try f.load(warning: { Issue.record("warned: \($0)") })
        #expect(state.sources["work"]?.seen["planted"] == nil, "the journal was read through the link")

        try f.journal(["work:a"])  // the journal link: dropped, a journal of our own started
        var work = SourceState(initialized: true)
        work.seen["s"] = SeenRecord(firstSeen: 1000)
        state.sources["work"] = work
        try f.writeStateFile(state)  // the temp file link: unlinked, the temp created exclusively
        try f.journal(["work:b"])
        try f.replaceJournal(keeping: ["work:b"])  // the journal's temp file link: the same

        folder.victimIsUntouched()
        for sibling in [".tmp", ".journal", ".journal.tmp"] { #expect(folder.isNoLink(sibling), "\(sibling) is still a link") }
        let loaded = try StateFile(path: folder.path).load(warning: { Issue.record("warned: \($0)") })
        #expect(loaded.sources["work"]?.seen["s"] != nil, "the state was saved")
        #expect(loaded.sources["work"]?.seen["b"] != nil, "the journal kept its key")
        #expect(loaded.sources["work"]?.seen["planted"] == nil)
    }

    /// The first save of a fresh agent empties a journal it never opened: `truncate(2)` on the path
    /// followed a link there and emptied its target.
    @Test func emptyingAJournalNeverOpenedDoesNotTruncateThroughALink() throws {
        let folder = try Folder()
        defer { folder.remove() }
        folder.plant(".journal")
        let f = StateFile(path: folder.path)
        try f.save(PersistedState())
        folder.victimIsUntouched()
        #expect(folder.isNoLink(".journal"))
    }

    /// A link where the lock goes is refused with a message that names it; the target keeps its bytes
    /// (the lock writes the pid into the file it opens).
    @Test func aLockThatIsALinkIsRefusedByName() throws {
        let folder = try Folder()
        defer { folder.remove() }
        folder.plant(".lock")
        let f = StateFile(path: folder.path)
        do {
            try f.lock()
            f.unlock()
            Issue.record("a linked lock was taken")
        } catch {
            #expect(error.message.contains("state.json.lock is a symbolic link"), "\(error.message)")
        }
        folder.victimIsUntouched()
    }

    /// A stale temp file from a crash (a regular file, even one we cannot write) is replaced.
    @Test func aStaleTempFileIsReplaced() throws {
        let folder = try Folder()
        defer { folder.remove() }
        try "half a state".write(toFile: folder.path + ".tmp", atomically: false, encoding: .utf8)
        chmod(folder.path + ".tmp", 0o400)
        let f = StateFile(path: folder.path)
        var state = PersistedState()
        state.sources["work"] = SourceState(initialized: true)
        try f.save(state)
        #expect(try StateFile(path: folder.path).load(warning: { Issue.record("warned: \($0)") }).sources["work"] != nil)
        #expect(!FileManager.default.fileExists(atPath: folder.path + ".tmp"))
    }
}
