import BelfryCore
import BelfryEmulatorKit
import Testing

/// `POST /_emulator/faults`: each kind misbehaves as documented and is consumed.
@Suite struct FaultTests {
    @Test func statusFaultUsesTheProviderFormatAndIsConsumed() async throws {
        try await withEmulator(.bytespike) { _, api in
            let queued = try await api.admin("/_emulator/faults", json: #"{"kind":"status","status":503,"retry_after":"2","times":2}"#)
            #expect(queued.status == 200)
            for _ in 0..<2 {
                let answer = try await api.get("/api/v1/me/notifications")
                #expect(answer.status == 503)
                #expect(answer.header("Retry-After") == "2")
                #expect(answer.json[path: "error.type"]?.string == "api_error")
            }
            #expect(try await api.get("/api/v1/me/notifications").status == 200)
            #expect(try await api.adminGet("/_emulator/faults").json.count == 0)
        }
    }

    @Test func pathAndMethodFiltersSelectTheRequest() async throws {
        try await withEmulator(.jaot) { _, api in
            _ = try await api.admin(
                "/_emulator/faults",
                json: #"{"kind":"status","status":429,"path":"/api/v2/notifications/read-all","method":"POST"}"#)
            #expect(try await api.get("/api/v2/notifications").status == 200)
            #expect(try await api.get("/api/v2/notifications/read-all").status != 429)
            let limited = try await api.post("/api/v2/notifications/read-all")
            #expect(limited.status == 429)
            #expect(limited.json["error"]?.string == "rate_limited")
            #expect(try await api.post("/api/v2/notifications/read-all").status == 200)
        }
    }

    @Test func statusFaultInTaskrunnerIsProblemJSON() async throws {
        try await withEmulator(.taskrunner) { _, api in
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"status","status":500}"#)
            let answer = try await api.get("/api/notifications")
            #expect(answer.status == 500)
            #expect(answer.header("Content-Type") == "application/problem+json")
            #expect(answer.json["status"]?.int == 500)
        }
    }

    @Test func malformedAnswers200WithInvalidJSON() async throws {
        try await withEmulator(.aira) { _, api in
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"malformed"}"#)
            let answer = try await api.get("/api/v1/notifications/pending")
            #expect(answer.status == 200)
            #expect(!answer.isJSON)
            #expect(try await api.get("/api/v1/notifications/pending").isJSON)
        }
    }

    @Test func truncatedPromisesMoreThanItSendsThenCloses() async throws {
        try await withEmulator(.jaot) { _, api in
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"truncated"}"#)
            try await RawConnection.with(port: api.port, request: RawConnection.request("/api/v2/notifications")) { raw in
                #expect(await raw.wait { $0.isClosed })
                #expect(raw.text.hasPrefix("HTTP/1.1 200"))
                #expect(raw.text.lowercased().contains("content-length: 4096"))
                let body = raw.text.split(separator: "\r\n\r\n", maxSplits: 1).last ?? ""
                #expect(body.utf8.count < 4096)
            }
            #expect(try await api.get("/api/v2/notifications").status == 200)
        }
    }

    @Test func oversizeSends20MiBOfJSON() async throws {
        try await withEmulator(.jaot) { _, api in
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"oversize"}"#)
            let answer = try await api.get("/api/v2/notifications", timeout: .seconds(60))
            #expect(answer.status == 200)
            #expect(answer.text.utf8.count == 20 * 1024 * 1024)
            #expect(answer.isJSON)
        }
    }

    @Test func hangNeverAnswersAndStopReleasesIt() async throws {
        let emulator = Emulator(preset: .jaot)
        let port = try await emulator.start()
        let api = APIClient(port: port, token: "test-token")
        _ = try await api.admin("/_emulator/faults", json: #"{"kind":"hang"}"#)
        try await RawConnection.with(port: port, request: RawConnection.request("/api/v2/notifications")) { raw in
            // The request must be held by the hang before stopping (a fixed sleep was not enough
            // while the whole suite ran on two cores).
            #expect(await Self.waitForHanging(api, 1))
            #expect(raw.text.isEmpty)
            #expect(!raw.isClosed)
            let clock = ContinuousClock()
            let started = clock.now
            await emulator.stop()
            #expect(clock.now - started < .seconds(10))
            // Bounded generously: the client's read loop shares two loaded cores with the suite.
            #expect(await raw.wait(for: .seconds(30)) { $0.isClosed })
            #expect(raw.text.isEmpty)
        }
    }

    @Test func hangEndsWhenTheClientGivesUp() async throws {
        try await withEmulator(.jaot) { _, api in
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"hang"}"#)
            try await RawConnection.with(port: api.port, request: RawConnection.request("/api/v2/notifications")) { raw in
                #expect(await Self.waitForHanging(api, 1))
                try await Task.sleep(for: .milliseconds(400))
                #expect(raw.text.isEmpty)
            }
            // the client left: the server lets go of the request
            #expect(await Self.waitForHanging(api, 0))
            #expect(try await api.get("/api/v2/notifications").status == 200)
        }
    }

    @Test func dropStreamClosesOpenStreams() async throws {
        try await withEmulator(.visualLayer, .init(ssePingInterval: .milliseconds(100))) { _, api in
            try await RawConnection.with(port: api.port, request: RawConnection.request("/api/v1/notifications/stream")) { raw in
                #expect(await raw.wait { $0.events.contains { $0.event == "ping" } })
                let answer = try await api.admin("/_emulator/faults", json: #"{"kind":"drop_stream"}"#)
                #expect(answer.json["streams_affected"]?.int == 1)
                #expect(await raw.wait { $0.isClosed })
            }
            #expect(await waitForNoStreams(api))
            #expect(try await api.adminGet("/_emulator/faults").json.count == 0)
        }
    }

    @Test func queuedDropStreamCutsTheNextStreamMidEvent() async throws {
        try await withEmulator(.visualLayer, .init(ssePingInterval: .milliseconds(100))) { _, api in
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"drop_stream","times":1}"#)
            try await RawConnection.with(port: api.port, request: RawConnection.request("/api/v1/notifications/stream")) { raw in
                #expect(await raw.wait { $0.isClosed })
                #expect(raw.text.hasPrefix("HTTP/1.1 200"))
                #expect(raw.text.contains("event: "))
                #expect(raw.events.isEmpty)  // the one event was cut before its blank line
            }
            // consumed: the next stream is fine
            try await RawConnection.with(port: api.port, request: RawConnection.request("/api/v1/notifications/stream")) { raw in
                #expect(await raw.wait { $0.events.count >= 2 })
            }
        }
    }

    @Test func stallStreamSilencesEvenPings() async throws {
        try await withEmulator(.visualLayer, .init(ssePingInterval: .milliseconds(100))) { _, api in
            try await RawConnection.with(port: api.port, request: RawConnection.request("/api/v1/notifications/stream")) { raw in
                #expect(await raw.wait { $0.events.contains { $0.event == "ping" } })
                _ = try await api.admin("/_emulator/faults", json: #"{"kind":"stall_stream"}"#)
                try await Task.sleep(for: .milliseconds(150))
                let before = raw.text
                _ = try await api.admin("/_emulator/items", json: "{}")
                try await Task.sleep(for: .milliseconds(500))
                #expect(raw.text == before)
                #expect(!raw.isClosed)
                #expect(try await api.adminGet("/_emulator/streams").json == ["open": 1])
            }
            #expect(await waitForNoStreams(api))
        }
    }

    /// A service that repeats the credential it was sent, for testing that clients redact it.
    @Test func echoCredentialRepeatsTheAuthorizationInTheBodyAndAHeader() async throws {
        try await withEmulator(.jaot) { _, api in
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"echo_credential"}"#)
            let refused = try await api.get("/api/v2/notifications")
            #expect(refused.status == 401)
            #expect(refused.json["message"]?.string == "credential rejected: Bearer test-token")
            #expect(refused.header("X-Echo-Credential") == "Bearer test-token")
            #expect(try await api.get("/api/v2/notifications").status == 200, "consumed")
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"echo_credential","status":200,"header":"Content-Type"}"#)
            let echoed = try await api.get("/api/v2/notifications")
            #expect(echoed.status == 200)
            #expect(echoed.header("Content-Type") == "Bearer test-token")
            let bad = try await api.admin("/_emulator/faults", json: #"{"kind":"echo_credential","header":"a b"}"#)
            #expect(bad.status == 400)
        }
    }

    @Test func streamErrorEchoesTheStreamsCredentialInAnErrorEvent() async throws {
        try await withEmulator(.visualLayer, .init(ssePingInterval: .milliseconds(100))) { _, api in
            // Queued: the next stream starts with one.
            _ = try await api.admin("/_emulator/faults", json: #"{"kind":"stream_error","times":1}"#)
            try await RawConnection.with(port: api.port, request: RawConnection.request("/api/v1/notifications/stream")) { raw in
                #expect(await raw.wait { $0.events.contains { $0.event == "error" } })
                let error = raw.events.first { $0.event == "error" }
                #expect(error?.data == #"{"detail":"internal error while serving Bearer test-token"}"#)
                // At once, on a stream already open: one more.
                let answer = try await api.admin("/_emulator/faults", json: #"{"kind":"stream_error"}"#)
                #expect(answer.json["streams_affected"]?.int == 1)
                #expect(await raw.wait { $0.events.filter { $0.event == "error" }.count == 2 })
                #expect(!raw.isClosed, "the stream stays open, as the doc says")
            }
        }
    }

    /// Polls `GET /_emulator` (bounded) until `hanging` is `count`.
    static func waitForHanging(_ api: APIClient, _ count: Int) async -> Bool {
        for _ in 0..<100 {
            if let now = try? await api.adminGet("/_emulator").json["hanging"]?.int, now == count { return true }
            try? await Task.sleep(for: .milliseconds(30))
        }
        return false
    }

    @Test func badFaultsAreRejected() async throws {
        try await withEmulator(.jaot) { _, api in
            let unknownKind = try await api.admin("/_emulator/faults", json: #"{"kind":"explode"}"#)
            #expect(unknownKind.status == 400)
            let notJSON = try await api.admin("/_emulator/faults", json: "nope")
            #expect(notJSON.status == 400)
        }
    }
}
