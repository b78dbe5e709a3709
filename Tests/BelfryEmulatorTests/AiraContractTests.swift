import BelfryCore
import BelfryEmulatorKit
import Testing

/// aira.md: pending items with notification_key identity; read state only under a JWT.
@Suite struct AiraContractTests {
    static let itemKeys: Set<String> = [
        "id", "type", "notification_key", "title", "description", "href", "created_at", "read",
    ]
    static let apiKey = EmulatorOptions(apiKeyToken: "aira_live_key", seed: 2)

    @Test func pendingMatchesTheDocumentedShape() async throws {
        try await withEmulator(.aira, .init(seed: 2)) { _, api in
            let answer = try await api.get("/api/v1/notifications/pending")
            #expect(answer.status == 200)
            #expect(answer.json.keys == ["items", "total", "unread_count", "request_id"])
            #expect(answer.json["request_id"]?.string?.hasPrefix("req_") == true)
            let items = answer.json.items()
            #expect(items.map { $0["type"]?.string } == ["action_approval", "case_review"])
            for item in items {
                #expect(item.keys == Self.itemKeys)
                let id = item["id"]?.string ?? ""
                let prefix = item["type"]?.string == "case_review" ? "case" : "action"
                #expect(item["notification_key"]?.string == "\(prefix):\(id)")
                #expect(item["href"]?.string?.hasPrefix("/dashboard/") == true)
            }
            #expect(items.map { $0["read"]?.bool } == [false, true])
            #expect(answer.json["total"]?.int == 2)
            #expect(answer.json["unread_count"]?.int == 1)
        }
    }

    @Test func markReadCountsOnlyNewlyReadAndValidatesTheBody() async throws {
        try await withEmulator(.aira, .init(seed: 4)) { _, api in
            let keys = try await api.get("/api/v1/notifications/pending").json.items().compactMap { $0["notification_key"]?.string }
            let body = #"{"notification_keys":["\#(keys[0])","\#(keys[1])"]}"#  // keys[1] is read already
            let first = try await api.post("/api/v1/notifications/mark-read", json: body)
            #expect(first.status == 200)
            #expect(first.json["marked"]?.int == 1)
            #expect(first.json["request_id"]?.string != nil)
            #expect(try await api.post("/api/v1/notifications/mark-read", json: body).json["marked"]?.int == 0)

            let tooMany = "{\"notification_keys\":[" + (0...100).map { "\"action:\($0)\"" }.joined(separator: ",") + "]}"
            for bad in [#"{"notification_keys":[]}"#, #"{}"#, "not json", tooMany, #"{"notification_keys":[1]}"#] {
                #expect(try await api.post("/api/v1/notifications/mark-read", json: bad).status == 422, "\(bad.prefix(40))")
            }
            let all = try await api.post("/api/v1/notifications/mark-all-read")
            #expect(all.json["marked"]?.int == 2)
            #expect(try await api.get("/api/v1/notifications/pending").json["unread_count"]?.int == 0)
        }
    }

    @Test func anAPIKeySeesEverythingUnreadAndCannotMarkRead() async throws {
        try await withEmulator(.aira, Self.apiKey) { _, api in
            let asKey = APIClient(port: api.port, token: "aira_live_key")
            let pending = try await asKey.get("/api/v1/notifications/pending").json
            #expect(pending.items().allSatisfy { $0["read"] == false })
            #expect(pending["unread_count"]?.int == 2)
            let key = pending.items()[0]["notification_key"]?.string ?? ""
            let marked = try await asKey.post("/api/v1/notifications/mark-read", json: #"{"notification_keys":["\#(key)"]}"#)
            #expect(marked.status == 200)
            #expect(marked.json["marked"]?.int == 0)
            #expect(try await asKey.post("/api/v1/notifications/mark-all-read").json["marked"]?.int == 0)
            // nothing changed for the user behind the JWT
            #expect(try await api.get("/api/v1/notifications/pending").json["unread_count"]?.int == 1)
            let calls = try await api.adminGet("/_emulator/calls").json.array ?? []
            #expect(calls.allSatisfy { $0["authorized"] == true })
        }
    }

    @Test func resultsAreCappedAtFiftyPerType() async throws {
        try await withEmulator(.aira) { _, api in
            let actions = Array(repeating: #"{"type":"action_approval"}"#, count: 60).joined(separator: ",")
            _ = try await api.admin("/_emulator/items", json: "[\(actions),{\"type\":\"case_review\"}]")
            let pending = try await api.get("/api/v1/notifications/pending").json
            #expect(pending.items().count == 51)
            #expect(pending["total"]?.int == 51)
        }
    }

    @Test func missingTokenIs401WithRequestID() async throws {
        try await withEmulator(.aira) { _, api in
            let answer = try await api.get("/api/v1/notifications/pending", auth: .none)
            #expect(answer.status == 401)
            #expect(answer.json["error"]?.string == "unauthorized")
            #expect(answer.json["request_id"]?.string != nil)
        }
    }
}
