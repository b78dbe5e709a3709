import BelfryCore
import BelfryEmulatorKit
import Testing

/// jaot.md: list, unread count, mark one, mark all; errors `{"error": code, "message": …}`.
@Suite struct JaotContractTests {
    static let itemKeys: Set<String> = ["id", "type", "title", "message", "data", "link", "is_read", "created_at"]

    @Test func listMatchesTheDocumentedShape() async throws {
        try await withEmulator(.jaot, .init(seed: 2)) { _, api in
            // the doc's own example request
            let answer = try await api.get("/api/v2/notifications?unread_only=true&limit=10")
            #expect(answer.status == 200)
            #expect(answer.json.keys == ["items", "total", "unread_count"])
            let items = answer.json.items()
            #expect(items.count == 2)
            #expect(answer.json["total"]?.int == 2)
            #expect(answer.json["unread_count"]?.int == 2)
            for item in items {
                #expect(item.keys == Self.itemKeys)
                #expect(item["id"]?.string?.hasPrefix("ntf_") == true)
                #expect(item["data"]?.object != nil)
                #expect(item["is_read"]?.bool == false)
                #expect(item["link"]?.string?.hasPrefix("/") == true)
            }
            #expect(items.map { $0["id"]?.string } == ["ntf_a1b2c3d4", "ntf_e5f6g7h8"])
            #expect(items[0]["data"]?["execution_id"]?.string == "exe_9a1b2c3d")
            let times = items.compactMap { $0["created_at"]?.string }
            #expect(times == times.sorted(by: >))
        }
    }

    @Test func boundsAreRejected() async throws {
        try await withEmulator(.jaot) { _, api in
            for query in ["limit=0", "limit=101", "limit=ten", "unread_only=perhaps"] {
                let answer = try await api.get("/api/v2/notifications?\(query)")
                #expect(answer.status == 422, "\(query)")
                #expect(answer.json["error"]?.string == "validation_error")
            }
            #expect(try await api.get("/api/v2/notifications?limit=100").status == 200)
            #expect(try await api.get("/api/v2/notifications?limit=1").status == 200)
        }
    }

    @Test func missingOrWrongTokenIs401() async throws {
        try await withEmulator(.jaot) { _, api in
            for auth in [APIClient.Auth.none, .other("Bearer nope"), .other("Basic dGVzdA==")] {
                let answer = try await api.get("/api/v2/notifications/unread-count", auth: auth)
                #expect(answer.status == 401)
                #expect(answer.json["error"]?.string == "unauthorized")
                #expect(answer.json["message"]?.string != nil)
            }
        }
    }

    @Test func readStateFollowsMarkReadAndReadAll() async throws {
        try await withEmulator(.jaot, .init(seed: 4)) { _, api in
            // the fourth sample (credits_purchased) is read in the seed
            #expect(try await api.get("/api/v2/notifications/unread-count").json == ["unread_count": 3])
            let one = try await api.post("/api/v2/notifications/ntf_a1b2c3d4/read")
            #expect(one.json == ["success": true, "marked_count": 1])
            #expect(try await api.get("/api/v2/notifications/unread-count").json["unread_count"]?.int == 2)
            let unread = try await api.get("/api/v2/notifications?unread_only=true").json.items()
            #expect(!unread.contains { $0["id"]?.string == "ntf_a1b2c3d4" })
            let missing = try await api.post("/api/v2/notifications/ntf_nope/read")
            #expect(missing.status == 404)
            #expect(missing.json["error"]?.string == "not_found")
            #expect(try await api.post("/api/v2/notifications/read-all").json == ["success": true, "marked_count": 2])
            #expect(try await api.post("/api/v2/notifications/read-all").json["marked_count"]?.int == 0)
            let all = try await api.get("/api/v2/notifications").json
            #expect(all["unread_count"]?.int == 0)
            #expect(all["total"]?.int == 4)
        }
    }

    @Test func adminItemsAreCompletedAndListedNewestFirst() async throws {
        try await withEmulator(.jaot) { _, api in
            let stored = try await api.admin(
                "/_emulator/items",
                json: #"[{"type":"execution_failed","created_at":"2026-01-01T00:00:00Z"},{"title":"Hi"}]"#)
            #expect(stored.status == 200)
            #expect(stored.json.count == 2)
            for item in stored.json.array ?? [] { #expect(item.keys == Self.itemKeys) }
            #expect(stored.json[path: "1.title"]?.string == "Hi")
            let list = try await api.get("/api/v2/notifications").json.items()
            #expect(list.first?["title"]?.string == "Hi")
            let id = list[0]["id"]?.string ?? ""
            #expect(try await api.admin("/_emulator/items/\(id)/read").json["is_read"] == true)
            #expect(try await api.adminGet("/_emulator/items").json.count == 2)
        }
    }
}
