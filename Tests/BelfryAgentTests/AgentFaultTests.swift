import BelfryAgent
import BelfryCore
import BelfryHTTP
import BelfryTestSupport
import Foundation
import Testing

/// Faults of the service, the desktop and the disk, injected with the emulator over loopback and a
/// private bus: the agent keeps running, shows each item once and loses no user action.
/// docs/reliability.md lists each fault with the test here that covers it.
@Suite(.serialized) struct AgentFaultTests {
    static let list = "/api/v2/notifications"

    @Test func a5xxBurstIsRiddenOutAndEachItemShownOnce() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.waitUntilPolled()
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":500,"times":2,"path":"\#(Self.list)"}"#)
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":502,"times":1,"path":"\#(Self.list)"}"#)
            _ = try await w.addItems(#"[{"title":"one"},{"title":"two"}]"#)
            try await w.eventually("the feed reports the errors") { await w.sourceState == "error" }
            #expect(await w.sourceError?.contains("answered 50") == true)
            let calls = try await w.server!.waitForNotifyCalls(2, timeout: .seconds(30))
            #expect(Set(calls.map(\.summary)) == ["one", "two"])
            try await w.eventually("healthy again") { await w.sourceState == "ok" }
            try await Task.sleep(for: .seconds(2))
            #expect(w.server!.notifyCalls.count == 2, "each item once")
        }
    }

    @Test func a429RetryAfterIsHonoured() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.waitUntilPolled()
            try await w.admin("DELETE", "/_emulator/calls")
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":429,"retry_after":"4","times":1,"path":"\#(Self.list)"}"#)
            try await w.eventually("rate limited") { await w.sourceState == "rate-limited" }
            try await w.eventually("polled again after the pause", timeout: .seconds(15)) { try await w.calls(to: Self.list).count >= 2 }
            let at = try await w.calls(to: Self.list)
            // poll_interval is 1 s: without Retry-After the next poll would come within about a second.
            #expect(at[1].timeIntervalSince(at[0]) >= 3.9, "no request before Retry-After (4 s): \(at[1].timeIntervalSince(at[0]))")
            try await w.eventually("healthy again") { await w.sourceState == "ok" }
        }
    }

    @Test func malformedAndTruncatedAnswersAreFeedErrorsThenRecover() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.waitUntilPolled()
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"malformed","times":1,"path":"\#(Self.list)"}"#)
            try await w.eventually("malformed JSON reported") { await w.sourceError?.contains("list answer is") == true }
            try await w.eventually("healthy again", timeout: .seconds(15)) { await w.sourceState == "ok" }
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"truncated","times":1,"path":"\#(Self.list)"}"#)
            try await w.eventually("truncated body reported") { await w.sourceState == "error" }
            let error = await w.sourceError ?? ""
            #expect(error.contains("list failed"), "\(error)")
            _ = try await w.addItems(#"[{"title":"after the bad answers"}]"#)
            let calls = try await w.server!.waitForNotifyCalls(1, timeout: .seconds(15))
            #expect(calls.map(\.summary) == ["after the bad answers"])
            try await w.eventually("healthy again") { await w.sourceState == "ok" }
        }
    }

    @Test func anOversizeBodyIsRefusedWithAClearError() async throws {
        // ProviderClient leaves HTTPRequest.maxBodyBytes at its default; it must stay well under the
        // emulator's 20 MiB and well over any sane page of notifications.
        let cap = HTTPRequest(url: "http://127.0.0.1/").maxBodyBytes
        #expect(cap >= 1 << 20 && cap <= 16 << 20)
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.waitUntilPolled()
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"oversize","times":1,"path":"\#(Self.list)"}"#)
            try await w.eventually("refused") { await w.sourceState == "error" }
            let error = await w.sourceError ?? ""
            #expect(error.contains("source \"work\": list failed"), "\(error)")
            #expect(error.lowercased().contains("large") || error.lowercased().contains("size") || error.contains("exceeds"), "the error says the body was too big: \(error)")
            try await w.eventually("healthy again", timeout: .seconds(15)) { await w.sourceState == "ok" }
        }
    }

    /// The agent's requests carry a 30 s timeout; the same client with a short one shows the mechanism
    /// without a 30 s test: a hung answer times out and the next request works.
    @Test func aServerThatNeverAnswersTimesOutAndTheNextRequestWorks() async throws {
        try await withWorld { w in
            let config = try ConfigLoader.parse(w.configText(), file: "test.toml")
            let source = try #require(config.sources.first)
            let client = ProviderClient(source: source, transport: w.http, token: "test-token", timeout: .seconds(1))
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"hang","times":1,"path":"\#(Self.list)"}"#)
            let start = ContinuousClock.now
            do {
                _ = try await client.listUnread()
                Issue.record("a hung request returned")
            } catch let error as ProviderError {
                #expect(error.kind == .transport(.timeout), "\(error.message)")
                #expect(ContinuousClock.now - start < .seconds(10))
            }
            _ = try await w.addItems(#"[{"title":"after the hang"}]"#)
            let items = try await client.listUnread()
            #expect(items.map(\.title) == ["after the hang"])
        }
    }

    @Test func connectionRefusedIsAFeedErrorNotACrash() async throws {
        try await withWorld { w in
            let port = AgentWorld.closedPort()
            try await w.start(w.configText().replacingOccurrences(of: w.emulator.baseURL, with: "http://127.0.0.1:\(port)"))
            try await w.eventually("connection refused reported") { await w.sourceState == "error" }
            let error = await w.sourceError ?? ""
            #expect(error.contains("source \"work\": list failed"), "\(error)")
            // Still alive and answering.
            #expect(await w.agent.countJSON()["total"] == 0)
            // The service comes back (the config now names the running emulator): reload picks it up.
            try w.configText().write(toFile: w.dir + "/config.toml", atomically: true, encoding: .utf8)
            await w.agent.reload()
            try await w.eventually("healthy after the service came back") { await w.sourceState == "ok" }
        }
    }

    @Test func aRefusedTokenIsRetriedWhenTheTokenFileChanges() async throws {
        try await withWorld { w in
            let tokenFile = w.dir + "/work.token"
            try "wrong\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            chmod(tokenFile, 0o600)
            try await w.start(w.configText().replacingOccurrences(of: "token = \"test-token\"", with: "token_file = \"\(tokenFile)\""))
            _ = try await w.server!.waitForNotifyCalls(1)
            #expect(await w.sourceState == "auth-failed")
            try await Task.sleep(for: .seconds(2))
            #expect(try await w.calls(to: Self.list).count == 1, "no retry loop")
            try "test-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            try await w.eventually("retried with the new token", timeout: .seconds(5)) { await w.sourceState == "ok" }
            let sent = try await w.calls().filter { $0["path"]?.string == Self.list }.map { $0["token"]?.string }
            #expect(sent.last == "test-token")
            #expect(w.server!.notifyCalls.count == 1, "one popup for the refusal, none for the recovery")
        }
    }

    @Test func aRefusedTokenIsRetriedAfterReload() async throws {
        try await withWorld { w in
            try await w.start(w.configText().replacingOccurrences(of: "token = \"test-token\"", with: "token = \"wrong\""))
            _ = try await w.server!.waitForNotifyCalls(1)
            #expect(await w.sourceState == "auth-failed")
            try w.configText().write(toFile: w.dir + "/config.toml", atomically: true, encoding: .utf8)
            await w.agent.reload()
            try await w.eventually("retried after reload") { await w.sourceState == "ok" }
            #expect(w.server!.notifyCalls.count == 1)
        }
    }

    @Test func theNotificationServerCrashingAndReturningLosesNoItem() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.waitUntilPolled()
            _ = try await w.addItems(#"[{"title":"before the crash"}]"#)
            _ = try await w.server!.waitForNotifyCalls(1)
            await w.server!.stop()
            _ = try await w.addItems(#"[{"title":"while it was gone"}]"#)
            try await w.eventually("recorded while no server") { await w.agent.countJSON()["total"] == 2 }
            let again = try await FakeNotificationServer.start(busAddress: w.bus.address)
            w.server = again
            let calls = try await again.waitForNotifyCalls(1, timeout: .seconds(10))
            #expect(calls.map(\.summary) == ["while it was gone"])
            try await Task.sleep(for: .seconds(2))
            #expect(again.notifyCalls.count == 1, "the item shown before the crash is not shown again")
        }
    }

    @Test func aDiskThatRefusesTheStateIsWarnedAboutAndSavedLater() async throws {
        try await withWorld { w in
            let folder = w.dir + "/state"
            let aside = w.dir + "/state-aside"
            let log = LogCapture()
            try await w.start(w.configText().replacingOccurrences(of: "\(w.dir)/state.json", with: "\(folder)/state.json"), log: log)
            try await w.waitUntilPolled()
            try await w.eventually("first save") { FileManager.default.fileExists(atPath: folder + "/state.json") }
            // The folder becomes unwritable (a file where it was: refused even for root).
            #expect(rename(folder, aside) == 0)
            try "not a folder".write(toFile: folder, atomically: false, encoding: .utf8)
            let id = try #require(try await w.addItems(#"[{"title":"kept in memory"}]"#).first?["id"]?.string)
            _ = try await w.server!.waitForNotifyCalls(1)
            try await w.eventually("warned") { log.contains("cannot save state (will retry)") }
            #expect(await w.sourceState == "ok", "the agent keeps running")
            // Writable again: saved without anything new happening.
            unlink(folder)
            #expect(rename(aside, folder) == 0)
            try await w.eventually("saved once writable again") {
                let text = (try? String(contentsOfFile: folder + "/state.json", encoding: .utf8)) ?? ""
                return text.contains(id)
            }
        }
    }

    @Test func aCorruptStateFileIsMovedAsideAndTheBacklogSummarised() async throws {
        try await withWorld { w in
            try "{\"version\":1,\"sources\":{\"work\":{\"init".write(toFile: w.dir + "/state.json", atomically: true, encoding: .utf8)
            _ = try await w.addItems(#"[{"title":"a"},{"title":"b"},{"title":"c"}]"#)
            let log = LogCapture()
            try await w.start(w.configText(), log: log)
            let calls = try await w.server!.waitForNotifyCalls(1)
            #expect(calls[0].summary == "3 unread in work")
            #expect(log.contains("could not be read"))
            let asides = try FileManager.default.contentsOfDirectory(atPath: w.dir).filter { $0.hasPrefix("state.json.corrupt-") }
            #expect(asides.count == 1)
            try await Task.sleep(for: .seconds(2))
            #expect(w.server!.notifyCalls.count == 1, "no flood")
            try await w.eventually("a fresh state was written") {
                guard let data = FileManager.default.contents(atPath: w.dir + "/state.json") else { return false }
                return (try? JSONDecoder().decode(PersistedState.self, from: data)) != nil
            }
        }
    }

    @Test func aMarkReadSurvivesAnOutageAndARestartAndLandsOnce() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.waitUntilPolled()
            let id = try #require(try await w.addItems(#"[{"title":"read me"}]"#).first?["id"]?.string)
            let path = "\(Self.list)/\(id)/read"
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":503,"times":1000,"path":"\#(path)"}"#)
            try await w.server!.emitActionInvoked(id: popup.returnedID, key: "mark-read")
            try await w.eventually("tried once during the outage") { try await w.calls(to: path, method: "POST").count >= 1 }
            try await w.stop()
            let saved = try JSONDecoder().decode(PersistedState.self, from: try #require(FileManager.default.contents(atPath: w.dir + "/state.json")))
            #expect(saved.outbox.count == 1, "the pending mark-read is in the state file")
            try await w.admin("DELETE", "/_emulator/faults")
            try await w.start(w.configText())
            try await w.eventually("landed after the restart", timeout: .seconds(15)) {
                let items = try await w.admin("GET", "/_emulator/items").array ?? []
                return items.contains { $0["id"]?.string == id && $0["is_read"]?.bool == true }
            }
            try await w.eventually("the outbox is empty") { await w.agent.persisted.outbox.isEmpty }
            let posts = try await w.calls(to: path, method: "POST").count
            try await Task.sleep(for: .seconds(3))
            #expect(try await w.calls(to: path, method: "POST").count == posts, "nothing sent after it landed")
            #expect(w.server!.notifyCalls.count == 1, "the restart shows nothing again")
        }
    }
}
