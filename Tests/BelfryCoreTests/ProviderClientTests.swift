import Testing
@testable import BelfryCore

@Suite struct ProviderClientTests {
    @Test func jaotListsWithDocumentedParametersAndAuth() async throws {
        let t = RecordingTransport { _ in json(ProfileTests.jaotExample) }
        let c = ProviderClient(source: try source(preset: "jaot"), transport: t, token: "tok")
        let items = try await c.listUnread()
        #expect(items.count == 2)
        #expect(t.requests.count == 1)
        let r = t.requests[0]
        #expect(r.method == "GET")
        #expect(r.path == "/api/v2/notifications")
        #expect(r.queryItems == ["unread_only": "true", "limit": "100"])
        #expect(r.headers.contains(HTTPHeader("Authorization", "Bearer tok")))
    }

    @Test func offsetPagingFollowsHasMore() async throws {
        let t = RecordingTransport { r in
            let offset = Int(r.queryItems["offset"] ?? "0")!
            let ids = (offset..<min(offset + 100, 250)).map { #"{"id":"n\#($0)","created_at":"2026-01-01T00:00:00Z","read_at":null}"# }
            return json(#"{"items":[\#(ids.joined(separator: ","))],"total":250,"has_more":\#(offset + 100 < 250)}"#)
        }
        let c = ProviderClient(source: try source(preset: "visual-layer", extra: "query = { dataset_id = \"ds1\" }"), transport: t, token: "tok")
        let items = try await c.listUnread()
        #expect(items.count == 250)
        #expect(t.requests.map { $0.queryItems["offset"] } == ["0", "100", "200"])
        #expect(t.requests.allSatisfy { $0.queryItems["dataset_id"] == "ds1" && $0.queryItems["unread_only"] == "true" })
    }

    @Test func pagePagingStopsOnAShortPageAndPushesOneTypeFilter() async throws {
        let t = RecordingTransport { r in
            let page = Int(r.queryItems["page"]!)!
            let n = page == 1 ? 200 : 3
            let ids = (0..<n).map { #"{"id":\#(page * 1000 + $0),"type":"system.payment.received","read_at":null}"# }
            return json(#"{"items":[\#(ids.joined(separator: ","))],"total":203,"page":\#(page),"page_size":200}"#)
        }
        let c = ProviderClient(source: try source(preset: "bytespike", extra: "types = [\"system.payment.received\"]"), transport: t, token: "k")
        let items = try await c.listUnread()
        #expect(items.count == 203)
        #expect(items[0].id == "1000")
        #expect(t.requests.count == 2)
        #expect(t.requests[0].queryItems == ["unread": "true", "page": "1", "page_size": "200", "type": "system.payment.received"])
    }

    @Test func cursorPagingUsesBeforeAndNextCursor() async throws {
        let t = RecordingTransport { r in
            switch r.queryItems["before"] {
            case nil: return json(#"{"items":[{"id":"B","count":1},{"id":"A2","count":1}],"next_cursor":"A2"}"#)
            case "A2": return json(#"{"items":[{"id":"A1","count":2}],"next_cursor":""}"#)
            default: return json(#"{"items":[]}"#, status: 500)
            }
        }
        let c = ProviderClient(source: try source(preset: "taskrunner", base: "http://localhost:9477"), transport: t, token: nil)
        let items = try await c.listUnread()
        #expect(items.map(\.id) == ["B", "A2", "A1"])
        #expect(t.requests.allSatisfy { r in !r.headers.contains { $0.name == "Authorization" } })
    }

    @Test func airaMarksReadInBatchesOfAHundred() async throws {
        let t = RecordingTransport { _ in json(#"{"marked":0}"#) }
        let c = ProviderClient(source: try source(preset: "aira"), transport: t, token: "k")
        try await c.markRead(ids: (0..<250).map { "action:\($0)" })
        #expect(t.requests.count == 3)
        #expect(t.requests.allSatisfy { $0.method == "POST" && $0.path == "/api/v1/notifications/mark-read" })
        let first = try JSONValue.parse(t.requests[0].body!)
        #expect(first["notification_keys"]?.array?.count == 100)
        #expect(first["notification_keys"]?.array?.first == "action:0")
        #expect(try JSONValue.parse(t.requests[2].body!)["notification_keys"]?.array?.count == 50)
    }

    @Test func markOneEncodesTheIdAndTreatsDoneStatusesAsSuccess() async throws {
        let t = RecordingTransport { _ in json(#"{"detail":"Not found"}"#, status: 404) }
        let vl = ProviderClient(source: try source(preset: "visual-layer"), transport: t, token: "k")
        try await vl.markRead(ids: ["a b/c"])
        #expect(t.requests[0].url == "https://api.example.com/api/v1/notifications/a%20b%2Fc/read")
        let jaot = ProviderClient(source: try source(preset: "jaot"), transport: t, token: "k")
        await #expect(throws: ProviderError.self) { try await jaot.markRead(ids: ["x"]) }
    }

    /// The service's `Date` header: returned with a listing (item ages are read on it), and the
    /// reference for a `Retry-After` date, so a local clock that is off changes neither.
    @Test func theServicesDateAgesItemsAndTimesRetryAfter() async throws {
        let date = HTTPHeader("Date", "Mon, 23 Nov 2026 11:28:12 GMT")
        let serviceTime = 1_795_433_292.0
        var status = 200
        let t = RecordingTransport { _ in
            status == 200 ? json(ProfileTests.jaotExample, headers: [date])
                : json("{}", status: status, headers: [date, HTTPHeader("Retry-After", "Mon, 23 Nov 2026 11:28:42 GMT")])
        }
        let aYearBehind: @Sendable () -> Double = { serviceTime - 365 * 86_400 }
        let c = ProviderClient(source: try source(preset: "jaot"), transport: t, token: "k", now: aYearBehind)
        let listing = try await c.listing()
        #expect(listing.serviceTime == serviceTime)
        #expect(listing.items.count == 2)
        status = 429
        do { _ = try await c.listUnread(); Issue.record("no error") } catch let error as ProviderError {
            #expect(error.kind == .rateLimited(retryAfter: .seconds(30)), "30 s on the service's clock, not a year and 30 s")
        }
        // No Date header: the local clock is the reference.
        let bare = RecordingTransport { _ in json("{}", status: 503, headers: [HTTPHeader("Retry-After", "Mon, 23 Nov 2026 11:28:42 GMT")]) }
        let d = ProviderClient(source: try source(preset: "jaot"), transport: bare, token: "k", now: { serviceTime })
        do { _ = try await d.listUnread(); Issue.record("no error") } catch let error as ProviderError {
            #expect(error.kind == .rateLimited(retryAfter: .seconds(30)))
        }
        #expect(RetryAfter.httpDate("Mon, 23 Nov 2026 11:28:12 GMT") == serviceTime)
        #expect(RetryAfter.httpDate("yesterday") == nil)
    }

    @Test func errorsAreClassifiedAndNamed() async throws {
        var status = 401
        let t = RecordingTransport { _ in
            json(#"{"error":{"type":"authentication_error","message":"revoked key"}}"#, status: status,
                 headers: [HTTPHeader("Retry-After", "12")])
        }
        let c = ProviderClient(source: try source(preset: "bytespike"), transport: t, token: "sekrit")
        do { _ = try await c.listUnread(); Issue.record("no error") } catch {
            #expect(error.kind == .auth)
            #expect(error.message.contains("source \"work\""))
            #expect(error.message.contains("revoked key"))
            #expect(!error.message.contains("sekrit"))
        }
        status = 429
        do { _ = try await c.listUnread(); Issue.record("no error") } catch {
            #expect(error.kind == .rateLimited(retryAfter: .seconds(12)))
        }
        status = 500
        do { _ = try await c.listUnread(); Issue.record("no error") } catch {
            #expect(error.kind == .http(status: 500))
        }
    }

    @Test func taskrunnerProblemDetailsAreSurfaced() async throws {
        let t = RecordingTransport { _ in
            json(#"{"title":"Bad Request","status":400,"detail":"limit must be <= 500"}"#, status: 400)
        }
        let c = ProviderClient(source: try source(preset: "taskrunner", base: "http://localhost:9477"), transport: t, token: nil)
        do { _ = try await c.listUnread(); Issue.record("no error") } catch {
            #expect(error.message.hasSuffix("answered 400: limit must be <= 500"))
        }
    }

    @Test func malformedJSONIsADecodeError() async throws {
        let t = RecordingTransport { _ in json("{\"items\": [") }
        let c = ProviderClient(source: try source(preset: "jaot"), transport: t, token: "k")
        do { _ = try await c.listUnread(); Issue.record("no error") } catch {
            #expect(error.kind == .decode)
        }
    }

    @Test func unreadCountEndpoints() async throws {
        let t = RecordingTransport { r in
            r.url.contains("bytespike") ? json(#"{"count":7}"#) : json(#"{"unread_count":5}"#)
        }
        #expect(try await ProviderClient(source: try source(preset: "jaot"), transport: t, token: "k").unreadCount() == 5)
        #expect(try await ProviderClient(source: try source(preset: "bytespike", base: "https://bytespike.example"), transport: t, token: "k").unreadCount() == 7)
    }
}

@Suite struct ProviderErrorTests {
    @Test func onlyClientErrorsThatCannotSucceedArePermanent() {
        #expect(ProviderError(.http(status: 404), "").isPermanentRefusal)
        #expect(ProviderError(.http(status: 422), "").isPermanentRefusal)
        #expect(!ProviderError(.http(status: 429), "").isPermanentRefusal)
        #expect(!ProviderError(.http(status: 401), "").isPermanentRefusal)
        #expect(!ProviderError(.http(status: 503), "").isPermanentRefusal)
        #expect(!ProviderError(.auth, "").isPermanentRefusal)
    }
}
