import BelfryCore
import BelfryEmulatorKit
import Testing

/// bytespike.md: integer ids, read_at null = unread, page/page_size, `{"error": {"type": …}}`.
@Suite struct BytespikeContractTests {
    static let itemKeys: Set<String> = ["id", "type", "title", "body", "link", "read_at", "created_at"]

    @Test func listMatchesTheDocumentedExample() async throws {
        try await withEmulator(.bytespike, .init(seed: 2)) { _, api in
            let answer = try await api.get("/api/v1/me/notifications?page=1&page_size=10")
            #expect(answer.status == 200)
            #expect(answer.json.keys == ["items", "total", "page", "page_size"])
            #expect(answer.json["page"]?.int == 1)
            #expect(answer.json["page_size"]?.int == 10)
            let items = answer.json.items()
            #expect(items.map { $0["id"]?.int } == [5001, 5006])
            for item in items {
                #expect(item.keys == Self.itemKeys)
                #expect(item["type"]?.string == "system.payment.received")
            }
            #expect(items[0]["read_at"] == .null)
            #expect(items[1]["read_at"]?.string != nil)
            #expect(items[0]["link"]?.string == "/billing")
            // the doc's own example request: unread only
            let unread = try await api.get("/api/v1/me/notifications?unread=true&page=1&page_size=10").json
            #expect(unread["total"]?.int == 1)
            #expect(try await api.get("/api/v1/me/notifications/unread-count").json == ["count": 1])
        }
    }

    @Test func badParametersAre400InvalidRequest() async throws {
        try await withEmulator(.bytespike) { _, api in
            for query in ["unread=true&read=true", "type=system.unknown", "page_size=201", "page_size=0", "page=0", "unread=maybe"] {
                let answer = try await api.get("/api/v1/me/notifications?\(query)")
                #expect(answer.status == 400, "\(query)")
                #expect(answer.json[path: "error.type"]?.string == "invalid_request_error")
                #expect(answer.json[path: "error.message"]?.string != nil)
            }
            #expect(try await api.get("/api/v1/me/notifications?page_size=200&type=org.api_key.revoke").status == 200)
        }
    }

    @Test func unauthorizedIsAuthenticationError() async throws {
        try await withEmulator(.bytespike) { _, api in
            let answer = try await api.get("/api/v1/me/notifications", auth: .none)
            #expect(answer.status == 401)
            #expect(answer.json[path: "error.type"]?.string == "authentication_error")
        }
    }

    @Test func markReadIsIdempotentAndMarkAllCountsFlips() async throws {
        try await withEmulator(.bytespike, .init(seed: 6)) { _, api in
            let first = try await api.post("/api/v1/me/notifications/5001/mark-read")
            #expect(first.status == 200)
            #expect(first.json.keys == ["id", "type", "read_at"])
            #expect(first.json["id"]?.int == 5001)
            let readAt = first.json["read_at"]?.string
            #expect(readAt != nil)
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await api.post("/api/v1/me/notifications/5001/mark-read").json["read_at"]?.string == readAt)
            let missing = try await api.post("/api/v1/me/notifications/999999/mark-read")
            #expect(missing.status == 404)
            #expect(missing.json[path: "error.type"]?.string == "not_found_error")
            #expect(try await api.post("/api/v1/me/notifications/abc/mark-read").status == 404)
            // six samples, two read in the seed, one just now
            #expect(try await api.post("/api/v1/me/notifications/mark-all-read").json == ["marked_read": 3])
            #expect(try await api.post("/api/v1/me/notifications/mark-all-read").json == ["marked_read": 0])
            #expect(try await api.get("/api/v1/me/notifications/unread-count").json["count"]?.int == 0)
        }
    }

    @Test func pagingAndTypeFilter() async throws {
        try await withEmulator(.bytespike, .init(seed: 12)) { _, api in
            let page2 = try await api.get("/api/v1/me/notifications?page=2&page_size=5").json
            #expect(page2["total"]?.int == 12)
            #expect(page2.items().count == 5)
            let page3 = try await api.get("/api/v1/me/notifications?page=3&page_size=5").json
            #expect(page3.items().count == 2)
            let typed = try await api.get("/api/v1/me/notifications?type=admin.org.member.add").json
            #expect(typed["total"]?.int == 2)
            #expect(typed.items().allSatisfy { $0["type"]?.string == "admin.org.member.add" })
            let read = try await api.get("/api/v1/me/notifications?read=true").json
            #expect(read.items().allSatisfy { $0["read_at"]?.string != nil })
        }
    }
}
