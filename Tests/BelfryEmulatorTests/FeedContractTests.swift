import BelfryCore
import BelfryEmulatorKit
import Testing

/// The generic `feed` preset and header authentication (docs/emulator.md).
@Suite struct FeedContractTests {
    @Test func headerAuthNeedsEveryHeader() async throws {
        let options = EmulatorOptions(authHeaders: ["Api-Key": "{token}", "Api-Username": "system"])
        try await withEmulator(.feed, options) { _, api in
            let both = [HTTPHeader("Api-Key", "test-token"), HTTPHeader("Api-Username", "system")]
            #expect(try await api.get("/feed/notifications", auth: .none, headers: both).status == 200)
            #expect(try await api.get("/feed/notifications", auth: .none, headers: [both[0]]).status == 401)
            #expect(try await api.get("/feed/notifications", auth: .token).status == 401, "a bearer token is not enough")
            let calls = try await api.adminGet("/_emulator/calls").json.array ?? []
            #expect(calls.map { $0["authorized"] } == [true, false, false])
            #expect(calls[0]["token"]?.string == "test-token")
        }
    }

    @Test func repeatedFiltersJSONLinesMarkReadByNumberAndObjects() async throws {
        try await withEmulator(.feed) { _, api in
            _ = try await api.admin("/_emulator/items", json: #"[{"id":5,"type":"follow"},{"id":6,"type":"mention"},{"id":7,"type":"favourite"}]"#)
            let listed = try await api.get("/feed/notifications?exclude_types%5B%5D=follow&exclude_types[]=favourite").json
            #expect(listed.array?.compactMap { $0["id"]?.int } == [6])
            let lines = try await api.get("/feed/notifications/json?types[]=follow&types[]=mention").text
            #expect(lines.split(separator: "\n").count == 2)
            let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Authorization", "Bearer test-token")]
            #expect(try await api.send("/feed/notifications/mark-read", method: "PUT", auth: .none, headers: headers,
                                       body: #"{"id": "6"}"#, timeout: .seconds(15)).status == 422)
            #expect(try await api.send("/feed/notifications/mark-read", method: "PUT", auth: .none, headers: headers,
                                       body: #"{"id": 6}"#, timeout: .seconds(15)).status == 200)
            #expect(try await api.get("/feed/objects/6").json["html_url"]?.string == "https://web.feed.example/t/6")
            #expect(try await api.get("/feed/objects/99").status == 404)
            #expect(try await api.get("/feed/notifications").json.array?.compactMap { $0["id"]?.int } == [7, 5])
        }
    }
}
