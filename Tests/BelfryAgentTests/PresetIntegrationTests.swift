import BelfryAgent
import BelfryCore
import BelfryDBus
import BelfryEmulatorKit
import BelfryTestSupport
import Foundation
import Testing

/// Each built-in preset end to end: poll the emulator, pop, act, and the exact mark-read request its
/// API doc specifies.
@Suite(.serialized) struct PresetIntegrationTests {
    func ready(_ w: AgentWorld) async throws {
        try await w.eventually("first poll") { await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
    }

    func posts(_ w: AgentWorld) async throws -> [JSONValue] {
        try await w.calls().filter { $0["method"]?.string == "POST" }
    }

    @Test func airaBatchesKeysInTheDocumentedBody() async throws {
        try await withWorld(preset: .aira) { w in
            try await w.start(w.configText())
            try await ready(w)
            let item = try #require(try await w.addItems(#"[{"type":"action_approval","title":"Action requires approval","description":"transfer by agent-billing-bot"}]"#).first)
            let key = try #require(item["notification_key"]?.string)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            #expect(popup.summary == "Action requires approval")
            #expect(popup.body == "transfer by agent-billing-bot")
            try await w.server!.emitActionInvoked(id: popup.returnedID, key: "mark-read")
            try await w.eventually("mark-read sent") { try await posts(w).count == 1 }
            let post = try #require(try await posts(w).first)
            #expect(post["path"]?.string == "/api/v1/notifications/mark-read")
            let body = try JSONValue.parse(post["body"]?.string ?? "")
            #expect(body == ["notification_keys": [.string(key)]])
        }
    }

    @Test func airaWithAnAPIKeyStillShowsEachItemOnce() async throws {
        try await withWorld(preset: .aira, options: EmulatorOptions(token: "jwt", apiKeyToken: "test-token")) { w in
            try await w.start(w.configText())
            try await ready(w)
            _ = try await w.addItems(#"[{"type":"case_review","title":"Case requires review"}]"#)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            try await w.server!.emitActionInvoked(id: popup.returnedID, key: "mark-read")
            try await w.eventually("mark-read sent") { try await posts(w).count == 1 }
            // The service still says unread (API key): never shown again, not after a restart either.
            try await Task.sleep(for: .milliseconds(2500))
            try await w.stop()
            try await w.start(w.configText())
            try await Task.sleep(for: .milliseconds(2500))
            #expect(w.server!.notifyCalls.count == 1)
            #expect(await w.agent.countJSON()["total"] == 0)
        }
    }

    @Test func taskrunnerCoalescesIntoTheSamePopupAndKeepsReadStateLocal() async throws {
        try await withWorld(preset: .taskrunner) { w in
            try await w.start(w.configText())
            try await ready(w)
            let item = try #require(try await w.addItems(#"[{"kind":"run.failed","title":"backup failed","body":"exit 1","severity":"error","task_name":"backup"}]"#).first)
            let id = try #require(item["id"]?.string)
            let first = try #require(try await w.server!.waitForNotifyCalls(1).first)
            #expect(first.hints["urgency"] == .byte(2))
            try await w.admin("POST", "/_emulator/items/\(id)/repeat")
            let calls = try await w.server!.waitForNotifyCalls(2)
            #expect(calls[1].replacesID == first.returnedID)
            #expect(calls[1].returnedID == first.returnedID)
            #expect(calls[1].body.contains("(×2)"))
            try await w.server!.emitActionInvoked(id: first.returnedID, key: "mark-read")
            try await w.eventually("read locally") { await w.agent.countJSON()["total"] == 0 }
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await posts(w).isEmpty, "taskrunner documents no mark-read endpoint")
            #expect(await w.agent.persisted.outbox.isEmpty)
        }
    }

    @Test func bytespikeMarksOneRead() async throws {
        try await withWorld(preset: .bytespike) { w in
            try await w.start(w.configText())
            try await ready(w)
            let item = try #require(try await w.addItems(#"[{"type":"system.payment.received","title":"Payment received · $25.00","body":"Your top-up has cleared.","link":"/billing"}]"#).first)
            let id = try #require(item["id"]?.text)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            #expect(popup.summary == "Payment received · $25.00")
            try await w.server!.emitActionInvoked(id: popup.returnedID, key: "default")
            try await w.eventually("opened and marked") { try await posts(w).count == 1 && !w.openerLog.isEmpty }
            #expect(try await posts(w).first?["path"]?.string == "/api/v1/me/notifications/\(id)/mark-read")
            #expect(w.openerLog == [" https://app.example.com/billing"])
            let list = try await w.calls().first { $0["method"]?.string == "GET" }
            #expect(list?["query"]?["unread"]?.string == "true")
            #expect(list?["query"]?["page_size"]?.string == "200")
        }
    }

    @Test func visualLayerPolledMarksOneAndAlreadyReadCountsAsDone() async throws {
        try await withWorld(preset: .visualLayer) { w in
            try await w.start(w.configText(source: "transport = \"poll\""))
            try await ready(w)
            let item = try #require(try await w.addItems(#"[{"metadata":{"view_name":"Cracks","dataset_name":"Bridges","result_count":4,"is_alert":true}}]"#).first)
            let id = try #require(item["id"]?.string)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            #expect(popup.summary == "New results in Cracks")
            // Read on the web first: the mark-read then answers 404, which counts as done.
            try await w.admin("POST", "/_emulator/items/\(id)/read")
            try await w.server!.emitActionInvoked(id: popup.returnedID, key: "mark-read")
            try await w.eventually("mark-read sent") { try await posts(w).count == 1 }
            #expect(try await posts(w).first?["path"]?.string == "/api/v1/notifications/\(id)/read")
            try await w.eventually("the 404 counted as done") { await w.agent.persisted.outbox.isEmpty }
        }
    }
}
