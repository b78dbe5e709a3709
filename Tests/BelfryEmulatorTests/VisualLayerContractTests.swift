import BelfryCore
import BelfryEmulatorKit
import Testing

/// visual-layer.md: FastAPI-style list/count/read/read-all scoped by dataset_id, and the SSE stream.
@Suite struct VisualLayerContractTests {
    static let itemKeys: Set<String> = [
        "id", "user_id", "entity_type", "entity_id", "title", "message", "metadata", "dataset_id", "created_at", "read_at",
    ]
    static let metadataKeys: Set<String> = ["view_name", "dataset_name", "result_count", "batch_id", "is_alert"]
    static let retail = "d1c6e6a0-7a61-4c1e-8f4b-1b2c3d4e5f60"

    @Test func listMatchesTheDocumentedFields() async throws {
        try await withEmulator(.visualLayer, .init(seed: 8)) { _, api in
            let answer = try await api.get("/api/v1/notifications")
            #expect(answer.status == 200)
            #expect(answer.json.keys == ["items", "total", "has_more"])
            #expect(answer.json["total"]?.int == 8)
            #expect(answer.json["has_more"] == false)
            for item in answer.json.items() {
                #expect(item.keys == Self.itemKeys)
                #expect(item["entity_type"]?.string == "saved_view")
                #expect(item["title"]?.string == "")
                #expect(item["metadata"]?.keys == Self.metadataKeys)
                #expect(item["metadata"]?["is_alert"] == true)
                #expect(item["read_at"] == .null || item["read_at"]?.string != nil)
            }
            let page = try await api.get("/api/v1/notifications?limit=3&offset=6").json
            #expect(page.items().count == 2)
            #expect(page["has_more"] == false)
            #expect(try await api.get("/api/v1/notifications?limit=3&offset=0").json["has_more"] == true)
            let scoped = try await api.get("/api/v1/notifications?dataset_id=\(Self.retail)").json
            #expect(scoped.items().allSatisfy { $0["dataset_id"]?.string == Self.retail })
            #expect(scoped["total"]?.int ?? 0 < 8)
        }
    }

    @Test func invalidValuesAreFastAPI422() async throws {
        try await withEmulator(.visualLayer) { _, api in
            let answer = try await api.get("/api/v1/notifications?limit=101")
            #expect(answer.status == 422)
            #expect(answer.json[path: "detail.0.loc"] == ["query", "limit"])
            #expect(answer.json[path: "detail.0.type"]?.string == "less_than_equal")
            #expect(answer.json[path: "detail.0.msg"]?.string != nil)
            for query in ["limit=0", "offset=-1", "unread_only=sometimes", "dataset_id=not-a-uuid"] {
                #expect(try await api.get("/api/v1/notifications?\(query)").status == 422, "\(query)")
            }
            #expect(try await api.get("/api/v1/notifications/unread-count?dataset_id=x").status == 422)
            #expect(try await api.post("/api/v1/notifications/123/read").status == 422)
            let unauthorized = try await api.get("/api/v1/notifications", auth: .none)
            #expect(unauthorized.status == 401)
            #expect(unauthorized.json["detail"]?.string != nil)
        }
    }

    @Test func markReadIs404WhenAlreadyRead() async throws {
        try await withEmulator(.visualLayer, .init(seed: 3)) { _, api in
            let id = try await api.get("/api/v1/notifications").json[path: "items.0.id"]?.string ?? ""
            let first = try await api.post("/api/v1/notifications/\(id)/read")
            #expect(first.status == 200)
            #expect(first.json.keys == ["id", "read_at"])
            #expect(try await api.post("/api/v1/notifications/\(id)/read").status == 404)
            let unknown = try await api.post("/api/v1/notifications/00000000-0000-4000-8000-000000000000/read")
            #expect(unknown.status == 404)
            #expect(unknown.json["detail"]?.string == "Notification not found")
            #expect(try await api.get("/api/v1/notifications/unread-count").json == ["count": 2])
        }
    }

    @Test func readAllCanBeScopedToADataset() async throws {
        try await withEmulator(.visualLayer, .init(seed: 3)) { _, api in
            // samples 0 and 2 are in the retail dataset, sample 1 in another
            let scopedCount = try await api.get("/api/v1/notifications/unread-count?dataset_id=\(Self.retail)").json
            #expect(scopedCount == ["count": 2])
            #expect(try await api.post("/api/v1/notifications/read-all?dataset_id=\(Self.retail)").json == ["count": 2])
            #expect(try await api.get("/api/v1/notifications/unread-count").json == ["count": 1])
            #expect(try await api.post("/api/v1/notifications/read-all").json == ["count": 1])
            let unread = try await api.get("/api/v1/notifications?unread_only=true").json
            #expect(unread["total"]?.int == 0)
        }
    }
}
