import BelfryCore
import BelfryEmulatorKit
import Testing

/// taskrunner.md: ULID ids in id-DESC order, `before`/`next_cursor` paging, coalesced rows,
/// `application/problem+json` errors.
@Suite struct TaskrunnerContractTests {
    static let requiredKeys: Set<String> = [
        "body", "count", "created_at", "fingerprint", "id", "kind", "last_occurred_at", "occurrences", "run_id",
        "severity", "task_name", "title",
    ]
    static let crockford = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    @Test func listMatchesTheDocumentedShape() async throws {
        try await withEmulator(.taskrunner, .init(seed: 4)) { _, api in
            let answer = try await api.get("/api/notifications?limit=50")
            #expect(answer.status == 200)
            #expect(answer.json.keys == ["$schema", "items", "next_cursor"])
            #expect(answer.json["next_cursor"]?.string == "")
            let items = answer.json.items()
            #expect(items.count == 4)
            for item in items {
                #expect(item.keys == Self.requiredKeys)  // read_at absent while unread
                let id = item["id"]?.string ?? ""
                #expect(id.count == 26 && id.allSatisfy { Self.crockford.contains($0) })
                #expect(["info", "warn", "error"].contains(item["severity"]?.string ?? ""))
                #expect(item["count"]?.int == 1)
                #expect(item["occurrences"]?.array?.count == 1)
                #expect(item["fingerprint"]?.string?.count == 16)
            }
            let ids = items.compactMap { $0["id"]?.string }
            #expect(ids == ids.sorted(by: >))
            #expect(items[0]["kind"]?.string == "run.failed")
            #expect(items[0]["severity"]?.string == "error")
        }
    }

    @Test func cursorPagingWalks120ItemsExactlyOnce() async throws {
        try await withEmulator(.taskrunner) { _, api in
            let batch = (0..<120).map { #"{"title":"event \#($0)"}"# }.joined(separator: ",")
            #expect(try await api.admin("/_emulator/items", json: "[\(batch)]").json.count == 120)
            var seen: [String] = []
            var sizes: [Int] = []
            var cursor = ""
            for _ in 0..<10 {
                let query = cursor.isEmpty ? "limit=50" : "limit=50&before=\(cursor)"
                let page = try await api.get("/api/notifications?\(query)").json
                let ids = page.items().compactMap { $0["id"]?.string }
                sizes.append(ids.count)
                seen += ids
                cursor = page["next_cursor"]?.string ?? ""
                if cursor.isEmpty { break }
                #expect(cursor == ids.last)
            }
            #expect(sizes == [50, 50, 20])
            #expect(Set(seen).count == 120)
            #expect(seen == seen.sorted(by: >))
            // newest first: the last posted item is the first row
            #expect(try await api.get("/api/notifications?limit=1").json.items().first?["title"] == "event 119")
        }
    }

    @Test func limitOutOfRangeIsProblemJSON() async throws {
        try await withEmulator(.taskrunner) { _, api in
            for query in ["limit=0", "limit=501", "limit=x"] {
                let answer = try await api.get("/api/notifications?\(query)")
                #expect(answer.status == 422, "\(query)")
                #expect(answer.header("Content-Type") == "application/problem+json")
                #expect(answer.json["status"]?.int == 422)
                #expect(answer.json["title"]?.string == "Unprocessable Entity")
                #expect(answer.json["detail"]?.string != nil)
                #expect(answer.json[path: "errors.0.location"]?.string == "query.limit")
            }
            #expect(try await api.get("/api/notifications?limit=500").status == 200)
        }
    }

    @Test func unauthorizedIsProblemJSON() async throws {
        try await withEmulator(.taskrunner) { _, api in
            let answer = try await api.get("/api/notifications", auth: .other("Bearer wrong"))
            #expect(answer.status == 401)
            #expect(answer.header("Content-Type") == "application/problem+json")
            #expect(answer.json["title"]?.string == "Unauthorized")
            #expect(answer.json["status"]?.int == 401)
        }
    }

    @Test func repeatCoalescesIntoTheSameRow() async throws {
        try await withEmulator(.taskrunner) { _, api in
            let stored = try await api.admin("/_emulator/items", json: #"{"kind":"run.failed","task_name":"backup"}"#).json
            let id = stored[path: "0.id"]?.string ?? ""
            let fingerprint = stored[path: "0.fingerprint"]?.string
            try await Task.sleep(for: .milliseconds(5))
            let repeated = try await api.admin("/_emulator/items/\(id)/repeat").json
            #expect(repeated["id"]?.string == id)
            #expect(repeated["fingerprint"]?.string == fingerprint)
            #expect(repeated["count"]?.int == 2)
            let occurrences = repeated["occurrences"]?.array?.compactMap(\.string) ?? []
            #expect(occurrences.count == 2)
            #expect(occurrences[0] > occurrences[1])
            #expect(repeated["last_occurred_at"]?.string == occurrences[0])
            #expect(repeated["created_at"] == stored[path: "0.created_at"])
            let rows = try await api.get("/api/notifications").json.items()
            #expect(rows.count == 1)
            #expect(rows[0]["count"]?.int == 2)
            // read on the web UI: read_at appears
            #expect(try await api.admin("/_emulator/items/\(id)/read").json["read_at"]?.string != nil)
            #expect(try await api.get("/api/notifications").json[path: "items.0.read_at"]?.string != nil)
        }
    }

    @Test func repeatIsOnlyForTaskrunner() async throws {
        try await withEmulator(.jaot, .init(seed: 1)) { _, api in
            let repeated = try await api.admin("/_emulator/items/ntf_a1b2c3d4/repeat")
            #expect(repeated.status == 409)
            let unknown = try await api.admin("/_emulator/items/ntf_unknown/read")
            #expect(unknown.status == 404)
        }
    }
}
