import BelfryAgent
import BelfryCore
import BelfryTestSupport
import Foundation
import Logging
import Testing

/// The state file is written off the agent (`flush`), so items keep popping while a save runs. A crash
/// at any moment after must still remember every item that popped: the file holds the snapshot the
/// save took, and the journal keeps the keys journaled after it.
@Suite struct StateSaveTests {
    @Test func itemsPoppedWhileSavesRunAreAllRememberedAfterACrash() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("belfry-save-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.json"
        // A large seen map, so that each write lasts long enough for items to arrive during it.
        var seen: [String: SeenRecord] = [:]
        for i in 0..<30_000 { seen["old-\(i)"] = SeenRecord(firstSeen: 1_700_000_000) }
        var state = PersistedState()
        state.sources["work"] = SourceState(initialized: true, seen: seen)
        let stateFile = StateFile(path: path)
        try stateFile.save(state)

        let clock = DesktopPolicyTests.TestNow(1_800_000_000)
        let config = try ConfigLoader.parse(
            "[agent]\nmax_seen = 100000\n[desktop]\nburst_limit = 1000\n" + DesktopPolicyTests.source("work"), file: "test.toml")
        let sink = DesktopPolicyTests.RecordingSink()
        var logger = Logger(label: "belfry-test")
        logger.logLevel = .critical
        let agent = Agent(config: config, sink: sink, transport: DesktopPolicyTests.NoTransport(), stateFile: stateFile,
                          state: state, environment: [:], logger: logger, now: { clock.now }, monotonic: { clock.now })
        await agent.refreshServer()

        var keys: [String] = []
        var duringSave = 0
        for round in 0..<12 {
            // The previous round's items made the state dirty: this save writes them, and the next
            // items arrive while it runs (waited for, bounded: a save that ends first is no failure).
            let flushing = Task { await agent.flush() }
            if round > 0 { _ = await Eventually.holds(timeout: .seconds(1), every: .milliseconds(1)) { await agent.isSaving } }
            for n in 0..<8 {
                let item = Item(source: "work", id: "r\(round)-\(n)", title: "item", body: "", link: nil,
                                createdAt: clock.now, urgency: .normal)
                await agent.ingest([item], source: "work", complete: false)
                keys.append(item.key)
                if await agent.isSaving { duringSave += 1 }
            }
            await flushing.value
        }
        #expect(sink.popups.count == keys.count)
        #expect(duringSave > 0, "no item arrived while a save ran: the test did not exercise the race")

        // The agent dies here (no last flush). What the next start loads:
        let loaded = try StateFile(path: path).load(warning: { _ in })
        let remembered = loaded.sources["work"]?.seen ?? [:]
        let missing = keys.filter { remembered[String($0.dropFirst("work:".count))] == nil }
        #expect(missing.isEmpty, "forgotten after the crash: \(missing)")
        #expect(remembered.count == 30_000 + keys.count)
        // Each landed save folded what it held out of the journal: only later keys stay there.
        let journal = (try? String(contentsOfFile: stateFile.journalPath, encoding: .utf8)) ?? ""
        #expect(journal.split(separator: "\n").count < keys.count)
    }
}
