import BelfryAgent
import BelfryCore
import BelfryTestSupport
import Foundation
import Testing

/// How the agent reads the notification server's signals: only an explicit dismissal may mark read,
/// and a server that restarts is a new server (its ids and capabilities are learnt again).
@Suite(.serialized) struct NotificationServerTests {
    func ready(_ w: AgentWorld) async throws {
        try await w.eventually("first poll") { await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
    }

    func readPosts(_ w: AgentWorld) async throws -> [String] {
        try await w.calls().filter { $0["method"]?.string == "POST" }.compactMap { $0["path"]?.string }
    }

    @Test func dismissMarksReadOnlyForReasonTwoNeverForExpiry() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: #"mark_read_on = ["dismiss"]"#))
            try await ready(w)
            let added = try await w.addItems(#"[{"title":"expires"},{"title":"undefined"},{"title":"dismissed"}]"#)
            let dismissed = try #require(added.first { $0["title"]?.string == "dismissed" }?["id"]?.string)
            let calls = try await w.server!.waitForNotifyCalls(3)
            func popup(_ title: String) throws -> UInt32 { try #require(calls.first { $0.summary == title }).returnedID }
            try await w.server!.emitNotificationClosed(id: try popup("expires"), reason: 1)
            try await w.server!.emitNotificationClosed(id: try popup("undefined"), reason: 4)
            try await w.server!.emitNotificationClosed(id: try popup("dismissed"), reason: 2)
            try await w.eventually("the dismissed one is marked read") { await w.agent.countJSON()["total"] == 2 }
            try await w.eventually("and its read request sent") { try await readPosts(w).count == 1 }
            try await Task.sleep(for: .milliseconds(1500))   // more polls, the outbox has run
            #expect(try await readPosts(w) == ["/api/v2/notifications/\(dismissed)/read"])
            #expect(await w.agent.countJSON()["total"] == 2, "expired and undefined closes leave items unread")
        }
    }

    @Test func aDismissalIsNotReadUnlessConfigured() async throws {
        try await withWorld { w in
            try await w.start(w.configText())   // default mark_read_on = ["open", "mark-read"]
            try await ready(w)
            _ = try await w.addItems(#"[{"title":"closed by the user"}]"#)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            try await w.server!.emitNotificationClosed(id: popup.returnedID, reason: 2)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await readPosts(w).isEmpty)
            #expect(await w.agent.countJSON()["total"] == 1)
        }
    }

    @Test func aRestartedServerIsLearntAgainAndItsStaleIdsAreForgotten() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await ready(w)
            let oldID = try #require(try await w.addItems(#"[{"title":"before the restart","link":"/a"}]"#).first?["id"]?.string)
            let before = try #require(try await w.server!.waitForNotifyCalls(1).first)

            // The server restarts, now without actions: ids start again from 1.
            await w.server!.stop()
            let restarted = try await FakeNotificationServer.start(
                busAddress: w.bus.address, capabilities: ["body"], info: .init(name: "restarted"))
            w.server = restarted
            try await w.eventually("the agent learnt the new server") {
                await w.agent.statusJSON()[path: "notification_server.name"]?.string == "restarted"
            }

            _ = try await w.addItems(#"[{"title":"after the restart","link":"/b"}]"#)
            let after = try #require(try await restarted.waitForNotifyCalls(1).first)
            #expect(after.summary == "after the restart")
            #expect(after.replacesID == 0)
            #expect(after.returnedID == before.returnedID, "the new server reuses the old id: the case that matters")
            #expect(after.actions.isEmpty, "capabilities were asked again: no actions now")
            #expect(after.body.contains("https://app.example.com/b"), "without actions the link goes into the body")

            // The old item is read elsewhere: its popup id is stale, so nothing on the new server is closed.
            try await w.admin("POST", "/_emulator/items/\(oldID)/read")
            try await w.eventually("the read is noticed") { await w.agent.countJSON()["total"] == 1 }
            try await Task.sleep(for: .milliseconds(500))
            #expect(restarted.closeCalls.isEmpty, "a stale id must not close the new server's popup")
        }
    }

    @Test func aStaleActionFromBeforeTheRestartDoesNothing() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await ready(w)
            _ = try await w.addItems(#"[{"title":"old","link":"/old"}]"#)
            let old = try #require(try await w.server!.waitForNotifyCalls(1).first)
            await w.server!.stop()
            let restarted = try await FakeNotificationServer.start(busAddress: w.bus.address, info: .init(name: "restarted"))
            w.server = restarted
            try await w.eventually("the agent learnt the new server") {
                await w.agent.statusJSON()[path: "notification_server.name"]?.string == "restarted"
            }
            // The new server knows nothing of that id; a click it reports for it is not the old popup.
            try await restarted.emitActionInvoked(id: old.returnedID, key: "default")
            try await Task.sleep(for: .milliseconds(1000))
            #expect(w.openerLog.isEmpty)
            #expect(try await readPosts(w).isEmpty)

            _ = try await w.addItems(#"[{"title":"new","link":"/new"}]"#)
            let fresh = try #require(try await restarted.waitForNotifyCalls(1).first)
            try await restarted.emitActionInvoked(id: fresh.returnedID, key: "default")
            try await w.eventually("the opener ran") { !w.openerLog.isEmpty }
            #expect(w.openerLog.last?.hasSuffix("https://app.example.com/new") == true)
        }
    }
}
