import BelfryCore
import BelfryEmulatorKit
import Testing

/// The call log, reset, and the in-process API (start, baseURL, stop).
@Suite struct AdminSurfaceTests {
    @Test func callsRecordEveryAPIRequestButNoAdminOnes() async throws {
        try await withEmulator(.aira, .init(seed: 1)) { _, api in
            _ = try await api.get("/api/v1/notifications/pending?x=1&y=two")
            _ = try await api.post("/api/v1/notifications/mark-read", json: #"{"notification_keys":["k"]}"#)
            _ = try await api.get("/api/v1/notifications/pending", auth: .other("Bearer bad"))
            _ = try await api.get("/api/v1/notifications/pending", auth: .none)
            let calls = try await api.adminGet("/_emulator/calls").json.array ?? []
            #expect(calls.count == 4)
            #expect(calls[0].keys == ["method", "path", "query", "query_pairs", "headers", "authorized", "token", "body", "at", "fault"])
            #expect(calls[0]["query_pairs"] == [["x", "1"], ["y", "two"]])
            #expect(calls[0][path: "headers.authorization"]?.string == "Bearer test-token")
            #expect(calls[0]["fault"] == .null)
            #expect(calls[0]["method"]?.string == "GET")
            #expect(calls[0]["path"]?.string == "/api/v1/notifications/pending")
            #expect(calls[0]["query"] == ["x": "1", "y": "two"])
            #expect(calls[0]["authorized"] == true)
            #expect(calls[0]["token"]?.string == "test-token")
            #expect(calls[1]["body"]?.string == #"{"notification_keys":["k"]}"#)
            #expect(calls[2]["authorized"] == false)
            #expect(calls[2]["token"]?.string == "bad")
            #expect(calls[3]["token"] == .null)
            #expect(calls.allSatisfy { $0["at"]?.string?.hasSuffix("Z") == true })
            #expect(try await api.delete("/_emulator/calls").status == 200)
            #expect(try await api.adminGet("/_emulator/calls").json.count == 0)
        }
    }

    /// What the soak relies on: the log taken in one step, each call saying which fault answered it,
    /// and many items read "in the web UI" with one request.
    @Test func callsAreTakenWithTheirFaultAndItemsAreReadInBulk() async throws {
        try await withEmulator(.bytespike, .init()) { _, api in
            _ = try await api.admin("/_emulator/items", json: #"[{"id":7001},{"id":7002},{"id":7003}]"#)
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"status","status":502,"times":1}"#)
            #expect(try await api.get("/api/v1/me/notifications").status == 502)
            #expect(try await api.get("/api/v1/me/notifications").status == 200)
            let taken = try await api.delete("/_emulator/calls").json.array ?? []
            #expect(taken.map { $0["fault"] } == [.string("status"), .null])
            #expect(try await api.adminGet("/_emulator/calls").json.count == 0)
            let read = try await api.admin("/_emulator/items/read", json: #"{"ids":["7001","7003","9999"]}"#)
            #expect(read.json["read"]?.int == 2)
            let unread = try await api.get("/api/v1/me/notifications?unread=true").json.items().compactMap { $0["id"]?.int }
            #expect(unread == [7002])
        }
    }

    @Test func resetClearsItemsFaultsAndCalls() async throws {
        try await withEmulator(.jaot, .init(seed: 3)) { _, api in
            _ = try await api.get("/api/v2/notifications")
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"status","times":5}"#)
            #expect(try await api.admin("/_emulator/reset").status == 200)
            #expect(try await api.adminGet("/_emulator/items").json.count == 0)
            #expect(try await api.adminGet("/_emulator/faults").json.count == 0)
            #expect(try await api.adminGet("/_emulator/calls").json.count == 0)
            #expect(try await api.get("/api/v2/notifications").json["total"]?.int == 0)
        }
    }

    @Test func everyPresetStartsAnswersAndStops() async throws {
        for preset in EmulatorPreset.allCases {
            let emulator = Emulator(preset: preset, options: .init(seed: 3))
            let port = try await emulator.start()
            #expect(port > 0)
            #expect(emulator.baseURL == "http://127.0.0.1:\(port)")
            let items = try await APIClient(port: port, token: "test-token").adminGet("/_emulator/items")
            #expect(items.json.count == 3, "\(preset)")
            await emulator.stop()
        }
    }

    @Test func aTakenPortIsAnError() async throws {
        try await withEmulator(.jaot) { _, api in
            let second = Emulator(preset: .jaot, options: .init(port: api.port))
            await #expect(throws: Emulator.StartError.self) { _ = try await second.start() }
        }
    }
}
