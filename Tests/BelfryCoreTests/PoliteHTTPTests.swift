import Testing
@testable import BelfryCore

/// Issue 15 points 3-5 in the core: rate limits told from refused tokens, conditional listings,
/// validators in the state file, and the redirect policy.
@Suite struct PoliteHTTPTests {
    func kind(_ response: HTTPResponse) async throws -> ProviderError.Kind {
        let t = RecordingTransport { _ in response }
        let c = ProviderClient(source: try source(preset: "jaot"), transport: t, token: "tok", now: { 1_000_000 })
        do {
            _ = try await c.listUnread()
            Issue.record("no error")
            return .decode
        } catch { return error.kind }
    }

    @Test func rateLimitsAreNotRefusedTokens() async throws {
        // GitHub's primary limit: 403, remaining 0, reset in epoch seconds read against its Date.
        let date = "Mon, 23 Nov 2026 11:28:12 GMT"
        let serviceNow = try #require(RetryAfter.httpDate(date))
        let exhausted = json(#"{"message":"API rate limit exceeded"}"#, status: 403, headers: [
            HTTPHeader("Date", date), HTTPHeader("x-ratelimit-remaining", "0"), HTTPHeader("x-ratelimit-reset", String(Int(serviceNow) + 90)),
        ])
        #expect(try await kind(exhausted) == .rateLimited(retryAfter: .seconds(90)))
        var on429 = exhausted
        on429.status = 429
        #expect(try await kind(on429) == .rateLimited(retryAfter: .seconds(90)))
        // A secondary limit: Retry-After.
        #expect(try await kind(json("{}", status: 403, headers: [HTTPHeader("Retry-After", "30")])) == .rateLimited(retryAfter: .seconds(30)))
        // Only the body says so.
        #expect(try await kind(json(#"{"message":"You have exceeded a secondary rate limit"}"#, status: 403)) == .rateLimited(retryAfter: nil))
        // 403 without those signs, and 401 whatever it says, stay refused tokens.
        #expect(try await kind(json(#"{"message":"Bad credentials"}"#, status: 403)) == .auth)
        #expect(try await kind(json("{}", status: 401, headers: [HTTPHeader("x-ratelimit-remaining", "0")])) == .auth)
        #expect(try await kind(json("{}", status: 403, headers: [HTTPHeader("x-ratelimit-remaining", "12")])) == .auth)
    }

    @Test func aListingGoesOutConditionallyAndA304IsNotParsed() async throws {
        let t = RecordingTransport { r in
            if r.headers.contains(HTTPHeader("If-None-Match", "\"v1\"")) {
                return HTTPResponse(status: 304, headers: [HTTPHeader("X-Poll-Interval", "60")], body: Array("not json".utf8))
            }
            return json(ProfileTests.jaotExample, headers: [HTTPHeader("ETag", "\"v1\""), HTTPHeader("Last-Modified", "Mon, 23 Nov 2026 11:28:12 GMT"),
                                                            HTTPHeader("X-Poll-Interval", "60")])
        }
        var c = ProviderClient(source: try source(preset: "jaot"), transport: t, token: "tok")
        let first = try await c.listing()
        #expect(first.items.count == 2 && !first.head.notModified)
        let v = try #require(first.head.validators)
        #expect(v.etag == "\"v1\"" && v.lastModified == "Mon, 23 Nov 2026 11:28:12 GMT")
        #expect(first.head.pollFloor == .seconds(60))
        c.validators = v
        let second = try await c.listing()
        #expect(second.head.notModified)
        #expect(second.head.validators == v)
        #expect(t.requests.last?.headers.contains(HTTPHeader("If-Modified-Since", "Mon, 23 Nov 2026 11:28:12 GMT")) == true)
        // Validators of another URL (the query changed) are not sent.
        c.validators = ListValidators(url: "https://elsewhere.example/x", etag: "\"v1\"")
        #expect(try await c.listing().items.count == 2)
    }

    @Test func validatorsAreKeptInTheStateAndAnOldStateLoads() throws {
        let old = #"{"outbox":[],"sources":{"work":{"init":true,"records":1,"seen":{"a":{"t":5}}}},"version":1}"#
        let state = try StateCodec.decode(Array(old.utf8))
        #expect(state.sources["work"]?.validators == nil)
        var changed = state
        changed.sources["work"]?.validators = ListValidators(url: "https://x/api?a=1", etag: "W/\"e\"", lastModified: "Mon, 23 Nov 2026 11:28:12 GMT")
        let text = String(decoding: try StateCodec.encode(changed), as: UTF8.self)
        #expect(text.contains(#""cond":{"e":"W/\"e\"","m":"Mon, 23 Nov 2026 11:28:12 GMT","u":"https://x/api?a=1"}"#))
        #expect(try StateCodec.decode(Array(text.utf8)) == changed)
    }

    @Test func redirectsKeepTheTokenAtHome() async throws {
        let base = RecordingTransport { r in
            switch r.url {
            case "https://a.example/list": HTTPResponse(status: 301, headers: [HTTPHeader("Location", "/moved?x=1")])
            case "https://a.example/moved?x=1": HTTPResponse(status: 302, headers: [HTTPHeader("Location", "https://b.example:8443/cdn")])
            case "https://b.example:8443/cdn": r.headers.contains { $0.name == "PRIVATE-TOKEN" } ? json("{}", status: 500) : json("[]")
            case "https://a.example/loop": HTTPResponse(status: 307, headers: [HTTPHeader("Location", "https://c.example/loop")])
            case "https://c.example/loop": HTTPResponse(status: 307, headers: [HTTPHeader("Location", "https://a.example/loop")])
            case "https://a.example/private": HTTPResponse(status: 301, headers: [HTTPHeader("Location", "https://c.example/private")])
            case "https://c.example/private": json("{}", status: 401)
            default: json("{}", status: 404)
            }
        }
        let t = RedirectingTransport.forSource(base, baseURL: "https://a.example/api", extraOrigins: ["https://c.example/stream"])
        func get(_ url: String, method: String = "GET") -> HTTPRequest {
            HTTPRequest(method: method, url: url, headers: [HTTPHeader("PRIVATE-TOKEN", "tok"), HTTPHeader("Accept", "application/json")], secrets: ["tok"])
        }
        // Followed: relative Location, then to an untrusted origin without the token.
        #expect(try await t.send(get("https://a.example/list")).status == 200)
        #expect(base.requests.map(\.url) == ["https://a.example/list", "https://a.example/moved?x=1", "https://b.example:8443/cdn"])
        #expect(base.requests[1].headers.contains(HTTPHeader("PRIVATE-TOKEN", "tok")), "same origin keeps it")
        #expect(!base.requests[2].headers.contains { $0.value == "tok" }, "another origin never gets it")
        #expect(base.requests[2].headers.contains(HTTPHeader("Accept", "application/json")))
        // A trusted other origin gets it; a loop between two is named with both hosts.
        await #expect(throws: HTTPError(.redirect, "redirect loop between https://c.example and https://a.example (back to https://a.example/loop)")) {
            try await t.send(get("https://a.example/loop"))
        }
        #expect(base.requests.last?.headers.contains(HTTPHeader("PRIVATE-TOKEN", "tok")) == true)
        // An untrusted origin that needs the token.
        let untrusted = RedirectingTransport.forSource(base, baseURL: "https://a.example/api")
        do { _ = try await untrusted.send(get("https://a.example/private")); Issue.record("no error") } catch let e as HTTPError {
            #expect(e.code == .redirect)
            #expect(e.message.contains("https://a.example") && e.message.contains("https://c.example") && e.message.contains("401"))
        }
        // Not a GET: the 3xx as it is.
        #expect(try await t.send(get("https://a.example/list", method: "POST")).status == 301)
        // More than 5 hops.
        let chain = RecordingTransport { r in
            let n = Int(r.url.split(separator: "/").last!)!
            return HTTPResponse(status: 302, headers: [HTTPHeader("Location", "/\(n + 1)")])
        }
        await #expect(throws: HTTPError.self) { try await RedirectingTransport(base: chain, trusted: []).send(get("https://a.example/0")) }
        #expect(chain.requests.count == 6)
    }

    @Test func originsAndLocations() {
        #expect(HTTPOrigin(url: "HTTPS://Api.Example.com/x")?.description == "https://api.example.com")
        #expect(HTTPOrigin(url: "http://127.0.0.2:8080?q")?.port == 8080)
        #expect(HTTPOrigin(url: "http://[::1]:9/")?.description == "http://[::1]:9")
        #expect(HTTPOrigin(url: "ftp://x") == nil)
        #expect(HTTPOrigin(url: "https://a.example") != HTTPOrigin(url: "http://a.example"))
        #expect(HTTPOrigin.resolve("//b.example/s", against: "https://a.example/x") == "https://b.example/s")
        #expect(HTTPOrigin.resolve("next", against: "https://a.example/api/v1/list?x") == "https://a.example/api/v1/next")
    }
}
