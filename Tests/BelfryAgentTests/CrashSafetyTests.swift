import BelfryTestSupport
import BelfryCore
import BelfryEmulatorKit
import Foundation
import Glibc
import Testing

/// `kill -9` of the real `belfry run` while items stream in: whatever the moment, the state file on
/// disk parses (it is replaced atomically), and a restart shows no item twice.
@Suite(.serialized) struct CrashSafetyTests {
    @Test func killNineInAWriteStormLeavesAStateFileThatParses() async throws {
        // taskrunner pages (100 per page): the whole storm is listed, unlike jaot's single page of 100.
        try await withWorld(preset: .taskrunner, server: false) { w in
            let config = w.configText().replacingOccurrences(of: "opener = [", with: "burst_limit = 1000\nopener = [")
            try config.write(toFile: w.dir + "/config.toml", atomically: true, encoding: .utf8)
            let env = ["HOME": w.dir, "XDG_RUNTIME_DIR": w.dir + "/run", "PATH": "/usr/bin:/bin"]
            var rng = SeededRandom(seed: 7)
            var added = 0
            var shown: [String] = []
            for round in 0..<6 {
                let agent = try RealBinary(["run", "--config", w.dir + "/config.toml", "--sink", "stdout"],
                                           environment: env, output: w.dir + "/out-\(round).log")
                defer { if agent.process.isRunning { agent.signal(SIGKILL) } }
                // A storm: batches of items while the agent polls every second and saves after each.
                let batches = 3 + Int(rng.next() % 5)
                for _ in 0..<batches {
                    let n = 20 + Int(rng.next() % 40)
                    _ = try await w.addItems("[" + (0..<n).map { #"{"kind":"run.failed","task_name":"storm-\#(added + $0)"}"# }.joined(separator: ",") + "]")
                    added += n
                    try await Task.sleep(for: .milliseconds(100 + Int(rng.next() % 400)))
                }
                agent.signal(SIGKILL)
                await agent.waitForExit()
                shown += agent.text.split(separator: "\n").filter { $0.contains("storm-") }.map(String.init)
                let data = try #require(FileManager.default.contents(atPath: w.dir + "/state.json"), "round \(round): a state file exists")
                let state = try JSONDecoder().decode(PersistedState.self, from: data)
                #expect(state.sources["work"] != nil, "round \(round)")
            }
            // A clean final run after the crashes catches up: every item of the storm is recorded.
            let last = try RealBinary(["run", "--config", w.dir + "/config.toml", "--sink", "stdout"],
                                      environment: env, output: w.dir + "/out-final.log")
            defer { if last.process.isRunning { last.signal(SIGKILL) } }
            var recorded = 0
            do {
                try await w.eventually("all recorded", timeout: .seconds(20)) {
                    let data = FileManager.default.contents(atPath: w.dir + "/state.json") ?? Data()
                    let state = try? JSONDecoder().decode(PersistedState.self, from: data)
                    recorded = state?.sources["work"]?.seen.count ?? 0
                    return recorded >= added
                }
            } catch {
                // What the next engineer needs when this fails under load (seen once in ~25 full runs).
                Issue.record("\(recorded) of \(added) recorded; final agent running: \(last.process.isRunning); its log ends: \(last.text.suffix(1500))")
                throw error
            }
            last.signal(SIGTERM)
            #expect(await last.waitForExit() == 0)
            #expect(!shown.isEmpty, "the killed agents were showing items")
        }
    }
}

