import BelfryAgent
import BelfryCore
import BelfryDBus
import BelfryTestSupport
import Foundation
import Testing

/// The agent end to end over real loopback HTTP (the emulator) and a real private D-Bus.
@Suite(.serialized) struct PollingAgentTests {
    static let twoItems = """
        [{"type":"execution_complete","title":"Solve completed","message":"Status: optimal & done","link":"/executions/exe_1"},
         {"type":"execution_failed","title":"Solve failed","message":"infeasible","link":"/executions/exe_2"}]
        """

    @Test func unreadItemsPopOnceReadOnesDoNotAndARestartPopsNothingNew() async throws {
        try await withWorld { w in
            let added = try await w.addItems(Self.twoItems + "")
            let readID = try #require(try await w.addItems(#"[{"title":"Already read"}]"#).first?["id"]?.string)
            try await w.admin("POST", "/_emulator/items/\(readID)/read")
            try await w.start(w.configText(source: "urgency = { execution_failed = \"critical\" }", desktop: "first_run = \"all\""))
            let calls = try await w.server!.waitForNotifyCalls(2)
            #expect(Set(calls.map(\.summary)) == ["Solve completed", "Solve failed"])
            let failed = try #require(calls.first { $0.summary == "Solve failed" })
            #expect(failed.hints["urgency"] == .byte(2))
            let done = try #require(calls.first { $0.summary == "Solve completed" })
            #expect(done.body == "Status: optimal &amp; done")
            #expect(done.actions == ["default", "Open", "mark-read", "Mark read"])
            #expect(done.appName == "work")
            // Several more polls: nothing pops again.
            try await Task.sleep(for: .milliseconds(2500))
            #expect(w.server!.notifyCalls.count == 2)
            try await w.stop()
            #expect(added.count == 2)

            try await w.start(w.configText(desktop: "first_run = \"all\""))
            try await Task.sleep(for: .milliseconds(2500))
            #expect(w.server!.notifyCalls.count == 2, "a restart pops nothing new")
            _ = try await w.addItems(#"[{"title":"Third"}]"#)
            let after = try await w.server!.waitForNotifyCalls(3)
            #expect(after.last?.summary == "Third")
        }
    }

    @Test func firstStartBacklogIsOneSummary() async throws {
        try await withWorld { w in
            _ = try await w.addItems(Self.twoItems)
            _ = try await w.addItems(#"[{"title":"x"}]"#)
            try await w.start(w.configText())
            let calls = try await w.server!.waitForNotifyCalls(1)
            #expect(calls[0].summary == "3 unread in work")
            #expect(calls[0].hints["transient"] == .bool(true))
            try await Task.sleep(for: .milliseconds(1500))
            #expect(w.server!.notifyCalls.count == 1)
        }
    }

    @Test func clickOpensWithTheActivationTokenAndMarksRead() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.eventually("first poll") { await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
            let item = try #require(try await w.addItems(Self.twoItems).first)
            let id = try #require(item["id"]?.string)
            let calls = try await w.server!.waitForNotifyCalls(2)
            let popup = try #require(calls.first { $0.summary == "Solve completed" })
            try await w.server!.emitActivationToken(id: popup.returnedID, token: "tok-123")
            try await w.server!.emitActionInvoked(id: popup.returnedID, key: "default")
            try await w.eventually("the opener ran") { !w.openerLog.isEmpty }
            #expect(w.openerLog == ["tok-123 https://app.example.com/executions/exe_1"])
            try await w.eventually("the service got the documented mark-read request") {
                try await w.calls().contains { $0["method"]?.string == "POST" && $0["path"]?.string == "/api/v2/notifications/\(id)/read" }
            }
            let marked = try await w.calls().filter { $0["method"]?.string == "POST" }
            #expect(marked.count == 1)
            #expect(marked[0]["token"]?.string == "test-token")
        }
    }

    @Test func markReadButtonMarksWithoutOpening() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.eventually("first poll") { await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
            let id = try #require(try await w.addItems(#"[{"title":"Only one","link":"/x"}]"#).first?["id"]?.string)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            try await w.server!.emitActionInvoked(id: popup.returnedID, key: "mark-read")
            try await w.eventually("marked read on the service") {
                try await w.calls().contains { $0["path"]?.string == "/api/v2/notifications/\(id)/read" }
            }
            #expect(w.openerLog.isEmpty)
            #expect(await w.agent.countJSON()["total"] == 0)
            try await w.eventually("the popup was closed") { w.server!.closeCalls.contains(popup.returnedID) }
        }
    }

    @Test func aFailedMarkReadLandsAfterTheServiceRecovers() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.eventually("first poll") { await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
            let id = try #require(try await w.addItems(#"[{"title":"Flaky"}]"#).first?["id"]?.string)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":503,"times":2,"path":"/api/v2/notifications/\#(id)/read"}"#)
            try await w.server!.emitActionInvoked(id: popup.returnedID, key: "mark-read")
            try await w.eventually("the pending action is kept", timeout: .seconds(5)) {
                await w.agent.persisted.outbox.count == 1
            }
            try await w.eventually("it landed after two 503s", timeout: .seconds(30)) {
                let items = try await w.admin("GET", "/_emulator/items").array ?? []
                return items.contains { $0["id"]?.string == id && $0["is_read"]?.bool == true }
            }
            let posts = try await w.calls().filter { $0["path"]?.string == "/api/v2/notifications/\(id)/read" }
            #expect(posts.count == 3)
            try await w.eventually("the outbox is empty") { await w.agent.persisted.outbox.isEmpty }
        }
    }

    @Test func aBurstBeyondTheLimitBecomesOneSummary() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: "burst_limit = 3"))
            try await w.eventually("first poll") { await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
            _ = try await w.addItems("[" + (1...8).map { #"{"title":"n\#($0)"}"# }.joined(separator: ",") + "]")
            let calls = try await w.server!.waitForNotifyCalls(4)
            #expect(calls.filter { $0.summary.hasPrefix("n") }.count == 3)
            #expect(calls.last?.summary == "5 new from work")
            try await Task.sleep(for: .milliseconds(1500))
            #expect(w.server!.notifyCalls.count == 4)
        }
    }

    @Test func itemsWaitForALateNotificationServer() async throws {
        try await withWorld(server: false) { w in
            try await w.start(w.configText(desktop: "first_run = \"all\""))
            _ = try await w.addItems(#"[{"title":"While nobody listened"}]"#)
            try await w.eventually("the item is recorded") { await w.agent.countJSON()["total"] == 1 }
            let server = try await FakeNotificationServer.start(busAddress: w.bus.address)
            w.server = server
            let calls = try await server.waitForNotifyCalls(1, timeout: .seconds(10))
            #expect(calls[0].summary == "While nobody listened")
        }
    }

    @Test func readElsewhereClosesThePopup() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.eventually("first poll") { await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
            let id = try #require(try await w.addItems(#"[{"title":"Read on the web"}]"#).first?["id"]?.string)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            try await w.admin("POST", "/_emulator/items/\(id)/read")
            try await w.eventually("closed") { w.server!.closeCalls.contains(popup.returnedID) }
            #expect(await w.agent.countJSON()["total"] == 0)
        }
    }

    @Test func aRefusedTokenIsNamedOnceAndNotRetriedInALoop() async throws {
        try await withWorld { w in
            try await w.start(w.configText().replacingOccurrences(of: "token = \"test-token\"", with: "token = \"wrong\""))
            let calls = try await w.server!.waitForNotifyCalls(1)
            #expect(calls[0].summary == "Belfry: work refused its token")
            #expect(!calls[0].body.contains("wrong"))
            try await Task.sleep(for: .seconds(2))
            let requests = try await w.calls().filter { $0["path"]?.string == "/api/v2/notifications" }
            #expect(requests.count == 1, "no retry loop on 401")
            #expect(w.server!.notifyCalls.count == 1)
            #expect(await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "auth-failed")
        }
    }
}
