import Foundation
import Testing
@testable import BelfryCore

/// The profile keys of issue 15 point 6: read, refused with a clear error when wrong, and sent.
@Suite struct ProfileSchemaAdditionsTests {
    /// A custom source with `profile` (TOML under `[source.profile]`) and extra source keys.
    static func custom(_ profile: String, source extra: String = "") -> String {
        """
        [[source]]
        name = "x"
        preset = "custom"
        base_url = "https://forum.example.com"
        token = "secret-token-123"
        \(extra)
        [source.profile]
        \(profile)
        """
    }

    static let discourse = custom("""
        auth_headers = { "Api-Key" = "{token}", "Api-Username" = "system" }
        items = "notifications"
        [source.profile.list]
        path = "/notifications.json"
        query = { filter = "unread" }
        [source.profile.fields]
        title = "fancy_title"
        [source.profile.mark_read]
        method = "PUT"
        path = "/notifications/mark-read"
        body = '{"id": {id}}'
        [source.profile.mark_all_read]
        method = "PUT"
        path = "/notifications/mark-read"
        """)

    @Test func twoAuthHeadersWithTheTokenAreSentAndAreSecrets() async throws {
        let s = try config(Self.discourse).sources[0]
        #expect(s.profile.authHeaders == ["Api-Key": "{token}", "Api-Username": "system"])
        let t = RecordingTransport { r in
            r.method == "PUT" ? json(#"{"success":"OK"}"#) : json(#"{"notifications":[{"id":5,"fancy_title":"Hi"}]}"#)
        }
        let c = ProviderClient(source: s, transport: t, token: "secret-token-123")
        let items = try await c.listUnread()
        #expect(items.map(\.id) == ["5"])
        try await c.markRead(ids: ["5"])
        try await c.markAllRead()
        #expect(t.requests.count == 3)
        for r in t.requests {
            #expect(r.headers.contains(HTTPHeader("Api-Key", "secret-token-123")))
            #expect(r.headers.contains(HTTPHeader("Api-Username", "system")))
            #expect(!r.headers.contains { $0.name == "Authorization" }, "the auth_header shorthand is not sent beside a {token} header")
            #expect(r.secrets.contains("secret-token-123"))
        }
        #expect(t.requests[1].url == "https://forum.example.com/notifications/mark-read")
        #expect(t.requests[1].body.map { String(decoding: $0, as: UTF8.self) } == #"{"id": 5}"#)
        #expect(t.requests[1].headers.contains(HTTPHeader("Content-Type", "application/json")))
        #expect(t.requests[2].body == nil)
    }

    @Test func aTokenInsideATemplateIsRedactedFromAnswers() async throws {
        let s = try config(Self.custom("""
            auth_headers = { "X-Auth" = "key={token};v=2" }
            items = "."
            [source.profile.list]
            path = "/n"
            """)).sources[0]
        let t = RecordingTransport { _ in json(#"[{"id":"1","title":"you sent key=secret-token-123;v=2"}]"#) }
        let items = try await ProviderClient(source: s, transport: t, token: "secret-token-123").listUnread()
        #expect(t.requests[0].headers.contains(HTTPHeader("X-Auth", "key=secret-token-123;v=2")))
        #expect(t.requests[0].secrets.contains("key=secret-token-123;v=2"))
        #expect(items[0].title == "you sent \(SecretRedactor.marker)")
    }

    @Test func staticAuthHeadersKeepTheShorthand() async throws {
        let s = try source(preset: "jaot", extra: """
            [source.profile]
            auth_headers = { "X-Client" = "belfry" }
            """)
        let t = RecordingTransport { _ in json(#"{"items":[]}"#) }
        _ = try await ProviderClient(source: s, transport: t, token: "tok").listUnread()
        #expect(t.requests[0].headers.contains(HTTPHeader("X-Client", "belfry")))
        #expect(t.requests[0].headers.contains(HTTPHeader("Authorization", "Bearer tok")))
    }

    @Test func repeatedQueryValuesAreSentOncePerValue() async throws {
        let s = try config(Self.custom("""
            items = "."
            [source.profile.list]
            path = "/api/v1/notifications"
            query = { "types[]" = ["mention", "status"] }
            """, source: #"query = { "exclude_types[]" = ["follow", "favourite"], account_id = "7" }"#)).sources[0]
        #expect(s.repeatedQuery == ["exclude_types[]": ["follow", "favourite"]])
        #expect(s.query == ["account_id": "7"])
        let t = RecordingTransport { _ in json("[]") }
        _ = try await ProviderClient(source: s, transport: t, token: "m").listUnread()
        let query = try #require(t.requests.first?.url.split(separator: "?").last).split(separator: "&").map { $0.removingPercentEncoding ?? "" }
        #expect(query == ["account_id=7", "exclude_types[]=follow", "exclude_types[]=favourite", "limit=50", "types[]=mention", "types[]=status"])
    }

    @Test func jsonLinesListingIsOneItemPerLine() async throws {
        let s = try config(Self.custom("""
            [source.profile.list]
            path = "/alerts/json"
            query = { poll = "1" }
            format = "json_lines"
            [source.profile.fields]
            title = "title"
            body = "message"
            """)).sources[0]
        #expect(s.profile.listFormat == .jsonLines)
        #expect(s.profile.items == ".")
        let lines = """
            {"id":"a1","time":1,"event":"message","topic":"alerts","title":"Disk","message":"90% full"}

            {"id":"a2","time":2,"event":"message","topic":"alerts","message":"back up"}\r

            """
        let t = RecordingTransport { _ in json(lines) }
        let items = try await ProviderClient(source: s, transport: t, token: "n").listUnread()
        #expect(items.map(\.id) == ["a1", "a2"])
        #expect(items[0].body == "90% full")
        let bad = RecordingTransport { _ in json("{\"id\":\"a1\"}\nnot json\n") }
        await #expect { try await ProviderClient(source: s, transport: bad, token: "n").listUnread() } throws: { e in
            (e as? ProviderError)?.message.contains("line 2 is not JSON") == true
        }
    }

    @Test func absoluteStreamURLIsUsedAndTrusted() throws {
        let s = try config(Self.custom("""
            items = "."
            [source.profile.list]
            path = "/api/v1/notifications"
            [source.profile.stream]
            url = "https://streaming.example.social/api/v1/streaming/user/notification"
            event = "notification"
            """)).sources[0]
        let c = ProviderClient(source: s, transport: RecordingTransport { _ in json("[]") }, token: "m")
        let r = c.request(s.profile.stream!.endpoint, id: nil, query: [:], body: nil)
        #expect(r.url == "https://streaming.example.social/api/v1/streaming/user/notification")
        #expect(r.headers.contains(HTTPHeader("Authorization", "Bearer m")))
        #expect(s.trustedOrigins.map(\.description) == ["https://forum.example.com", "https://streaming.example.social"])
        #expect(s.trusts("https://streaming.example.social:443/x"))
        #expect(!s.trusts("https://evil.example.com/"))
        #expect(!s.trusts("http://forum.example.com/"), "another scheme is another origin")
    }

    @Test func markersBodyForMarkAllReadCarriesTheNewestID() async throws {
        let s = try config(Self.custom("""
            items = "."
            [source.profile.list]
            path = "/api/v1/notifications"
            [source.profile.mark_all_read]
            method = "POST"
            path = "/api/v1/markers"
            body = '{"notifications": {"last_read_id": "{last_id}"}}'
            """)).sources[0]
        let t = RecordingTransport { _ in json("{}") }
        let c = ProviderClient(source: s, transport: t, token: "m")
        try await c.markAllRead(newestID: "109")
        #expect(t.requests[0].body.map { String(decoding: $0, as: UTF8.self) } == #"{"notifications": {"last_read_id": "109"}}"#)
        await #expect(throws: ProviderError.self) { try await c.markAllRead() }
        #expect(t.requests.count == 1, "nothing is sent without the id the body needs")
        var inbox = Inbox(state: PersistedState())
        _ = inbox.ingest([Item(source: "x", id: "99", title: "a"), Item(source: "x", id: "109", title: "b")], from: s,
                         complete: true, now: 0, maxAge: .seconds(86_400))
        inbox.markAllRead(source: s, now: 1)
        #expect(inbox.state.outbox.last?.ids == ["109"], "the greatest id, numerically")
    }

    @Test func batchedFormBodyAndTheClassicBodyKeyStillWork() async throws {
        let s = try config(Self.custom("""
            items = "."
            [source.profile.list]
            path = "/n"
            [source.profile.mark_read]
            method = "POST"
            path = "/markers"
            batch = 2
            body_format = "form"
            body = "notifications[last_read_id]={last_id}&all={ids}"
            """)).sources[0]
        let t = RecordingTransport { _ in json("{}") }
        try await ProviderClient(source: s, transport: t, token: "m").markRead(ids: ["8", "10", "9"])
        #expect(t.requests.map { String(decoding: $0.body ?? [], as: UTF8.self) }
            == ["notifications[last_read_id]=10&all=8,10", "notifications[last_read_id]=9&all=9"])
        #expect(t.requests[0].headers.contains(HTTPHeader("Content-Type", "application/x-www-form-urlencoded")))

        let aira = try source(preset: "aira")
        let t2 = RecordingTransport { _ in json("{}") }
        try await ProviderClient(source: aira, transport: t2, token: "m").markRead(ids: ["a", "b"])
        #expect(t2.requests[0].body.map { String(decoding: $0, as: UTF8.self) } == #"{"notification_keys":["a","b"]}"#)
    }

    @Test func anUnquotedIdThatIsNotANumberIsNotSent() async throws {
        let s = try config(Self.discourse).sources[0]
        let t = RecordingTransport { _ in json("{}") }
        await #expect { try await ProviderClient(source: s, transport: t, token: "k").markRead(ids: ["abc"]) } throws: { e in
            (e as? ProviderError)?.message.contains("not JSON with ids abc") == true
        }
        #expect(t.requests.isEmpty)
    }

    @Test func badValuesOfTheNewKeysAreRefusedWithKeyAndReason() {
        func errors(_ profile: String, source: String = "") -> [ConfigError] { configErrors(Self.custom(profile, source: source)) }
        let list = "[source.profile.list]\npath = \"/n\"\n"
        #expect(errors("auth_headers = { \"Api Key\" = \"{token}\" }\n" + list).contains {
            $0.key == "source[0].profile.auth_headers" && $0.message.contains("not a header name") })
        #expect(errors("auth_headers = { \"X\" = 5 }\n" + list).isEmpty, "numbers read as strings, as in every string table")
        #expect(errors(list + "query = { \"t[]\" = [1, {a = 1}] }\n").contains {
            $0.key == "source[0].profile.list.query.t[]" && $0.message.contains("not a string") })
        #expect(errors(list, source: "query = { \"t[]\" = [] }").contains {
            $0.key == "source[0].query.t[]" && $0.message.contains("empty array") })
        #expect(errors(list + "format = \"ndjson\"\n").contains {
            $0.key == "source[0].profile.list.format" && $0.message.contains("json_lines") })
        #expect(errors("items = \"data\"\n" + list + "format = \"json_lines\"\n").contains {
            $0.key == "source[0].profile.items" && $0.message.contains("each line one item") })
        #expect(errors(list + "[source.profile.mark_read]\npath = \"/r\"\nbody = '{\"id\": {idd}}'\nmethod = \"PUT\"\n").contains {
            $0.key == "source[0].profile.mark_read.body" && $0.message.contains("unknown placeholder {idd}") })
        #expect(errors(list + "[source.profile.mark_read]\npath = \"/r\"\nbody = '{\"id\": {id}'\nmethod = \"PUT\"\n").contains {
            $0.key == "source[0].profile.mark_read.body" && $0.message.contains("not JSON") })
        #expect(errors(list + "[source.profile.mark_read]\npath = \"/r\"\nbody = '{\"id\": {id}}'\n").contains {
            $0.key == "source[0].profile.mark_read.method" && $0.message.contains("GET (the default)") })
        #expect(errors(list + "[source.profile.mark_read]\npath = \"/r\"\nbatch = 5\nbody = '{\"id\": {id}}'\nmethod = \"PUT\"\n").contains {
            $0.key == "source[0].profile.mark_read.body" && $0.message.contains("{ids} or {last_id}") })
        #expect(errors(list + "[source.profile.mark_all_read]\npath = \"/r\"\nbody = '{\"id\": {id}}'\nmethod = \"PUT\"\n").contains {
            $0.key == "source[0].profile.mark_all_read.body" && $0.message.contains("only {last_id}") })
        #expect(errors(list + "[source.profile.stream]\nurl = \"streaming.example\"\n").contains {
            $0.key == "source[0].profile.stream.url" && $0.message.contains("absolute") })
        #expect(errors(list + "[source.profile.stream]\nurl = \"https://s.example/x\"\npath = \"/x\"\n").contains {
            $0.key == "source[0].profile.stream.url" && $0.message.contains("not both") })
        #expect(errors(list + "[source.profile.stream]\nurl = \"http://s.example/x\"\n").contains {
            $0.key == "source[0].profile" && $0.message.contains("plain http") })
        #expect(errors(list + "[source.profile.fields]\nlink_rewrite = { from = \"a\", to = \"b\" }\n").contains {
            $0.key == "source[0].profile.fields.link_rewrite" && $0.message.contains("not { from, to }") })
    }
}
