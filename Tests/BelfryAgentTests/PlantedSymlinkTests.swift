import BelfryAgent
import BelfryCore
import Foundation
import Testing

/// The whole agent with symbolic links planted beside its state file: it never writes through them.
@Suite(.serialized) struct PlantedSymlinkTests {
    static let precious = "precious, not belfry's\n"

    /// Links at `.tmp`, `.journal` and `.journal.tmp`: the agent pops, journals and saves as usual,
    /// with files of its own, and the target keeps its bytes.
    @Test func linksAtTheTempAndJournalPathsAreNotWrittenThrough() async throws {
        try await withWorld { w in
            let victim = w.dir + "/victim"
            try Self.precious.write(toFile: victim, atomically: false, encoding: .utf8)
            for sibling in [".tmp", ".journal", ".journal.tmp"] {
                #expect(symlink(victim, w.dir + "/state.json" + sibling) == 0)
            }
            let log = LogCapture()
            try await w.start(w.configText(), log: log)
            try await w.waitUntilPolled()
            _ = try await w.addItems(#"[{"title":"one"},{"title":"two"}]"#)
            _ = try await w.server!.waitForNotifyCalls(2, timeout: .seconds(10))
            try await w.stop()
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == Self.precious, "written through a link")
            let state = try String(contentsOfFile: w.dir + "/state.json", encoding: .utf8)
            #expect(state.contains("work"), "the state was saved")
            #expect(!log.contains("cannot save state") && !log.contains("cannot write the state journal"), "\(log.all)")
        }
    }

    /// A link at the lock path: the agent does not start, and says why.
    @Test func aLinkAtTheLockPathIsRefusedByName() async throws {
        try await withWorld { w in
            let victim = w.dir + "/victim"
            try Self.precious.write(toFile: victim, atomically: false, encoding: .utf8)
            #expect(symlink(victim, w.dir + "/state.json.lock") == 0)
            do {
                try await w.start(w.configText())
                Issue.record("the agent started with a linked lock")
            } catch {
                #expect("\(error)".contains("state.json.lock is a symbolic link"), "\(error)")
            }
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == Self.precious)
        }
    }
}
