import BelfryCore
import BelfryEmulatorKit
import Testing

/// The visual-layer SSE stream: new items as `event: notification` with id and JSON data, pings,
/// Last-Event-ID catch-up, dataset scoping.
@Suite struct VisualLayerStreamTests {
    static let fast = EmulatorOptions(ssePingInterval: .milliseconds(150))

    @Test func aNewItemArrivesWithEventIdAndData() async throws {
        try await withEmulator(.visualLayer, Self.fast) { _, api in
            try await RawConnection.with(port: api.port, request: RawConnection.request("/api/v1/notifications/stream")) { stream in
                #expect(await stream.wait { $0.contains("\r\n\r\n") })
                #expect(stream.text.hasPrefix("HTTP/1.1 200"))
                #expect(stream.text.lowercased().contains("content-type: text/event-stream"))
                #expect(try await api.adminGet("/_emulator/streams").json == ["open": 1])
                let stored = try await api.admin("/_emulator/items", json: #"{"message":"hello"}"#).json
                let id = stored[path: "0.id"]?.string ?? ""
                #expect(await stream.wait { $0.events.contains { $0.event == "notification" } })
                let event = try #require(stream.events.first { $0.event == "notification" })
                #expect(event.id == id)
                let data = try JSONValue.parse(event.data)
                #expect(data["id"]?.string == id)
                #expect(data["message"]?.string == "hello")
                #expect(data["entity_type"]?.string == "saved_view")
                #expect(await stream.wait { $0.events.filter { $0.event == "ping" }.count >= 2 })
            }
            #expect(await waitForNoStreams(api))
        }
    }

    @Test func lastEventIDReplaysWhatWasMissed() async throws {
        try await withEmulator(.visualLayer, Self.fast) { _, api in
            let stored = try await api.admin("/_emulator/items", json: "[{},{},{}]").json.array ?? []
            let ids = stored.compactMap { $0["id"]?.string }
            let request = RawConnection.request("/api/v1/notifications/stream", headers: ["Last-Event-ID: \(ids[0])"])
            try await RawConnection.with(port: api.port, request: request) { stream in
                #expect(await stream.wait { $0.events.filter { $0.event == "notification" }.count >= 2 })
                #expect(stream.events.filter { $0.event == "notification" }.map(\.id) == [ids[1], ids[2]])
            }
        }
    }

    @Test func datasetScopedStreamsSkipOtherDatasets() async throws {
        try await withEmulator(.visualLayer, Self.fast) { _, api in
            let retail = VisualLayerContractTests.retail
            let request = RawConnection.request("/api/v1/notifications/stream?dataset_id=\(retail)")
            try await RawConnection.with(port: api.port, request: request) { stream in
                #expect(await stream.wait { $0.contains("\r\n\r\n") })
                #expect(await waitForStreams(api, 1))
                _ = try await api.admin(
                    "/_emulator/items",
                    json: #"[{"dataset_id":"a8f3b2c1-4d5e-4f6a-9b7c-8d9e0f1a2b3c","message":"other"},{"dataset_id":"\#(retail)","message":"mine"}]"#)
                #expect(await stream.wait { $0.events.contains { $0.event == "notification" } })
                let notifications = stream.events.filter { $0.event == "notification" }
                #expect(notifications.count == 1)
                #expect(notifications.first?.data.contains("mine") == true)
            }
        }
    }

    @Test func streamNeedsTheToken() async throws {
        try await withEmulator(.visualLayer, Self.fast) { _, api in
            let answer = try await api.get("/api/v1/notifications/stream", auth: .none)
            #expect(answer.status == 401)
        }
    }
}

func waitForStreams(_ api: APIClient, _ count: Int) async -> Bool {
    // Bounded by time, generously: under a loaded machine a closed client is noticed late.
    let end = ContinuousClock.now + .seconds(15)
    while ContinuousClock.now < end {
        if let open = try? await api.adminGet("/_emulator/streams").json["open"]?.int, open == count { return true }
        try? await Task.sleep(for: .milliseconds(30))
    }
    return false
}

func waitForNoStreams(_ api: APIClient) async -> Bool { await waitForStreams(api, 0) }
