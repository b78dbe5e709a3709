import Foundation
import Testing
@testable import BelfryCore

/// The worked examples of docs/profiles.md, parsed from the doc itself and run against fixtures built
/// from each service's documented responses.
@Suite struct CustomProfileTests {
    static let docPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/profiles.md").path

    static func example(_ name: String) throws -> BelfryConfig {
        let doc = try String(contentsOfFile: docPath, encoding: .utf8)
        let blocks = doc.components(separatedBy: "```toml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let block = try #require(blocks.first { $0.hasPrefix("# example: \(name)\n") })
        return try ConfigLoader.parse(block, file: "docs/profiles.md#\(name)")
    }

    /// From Gitea's API docs (NotificationThread).
    static let giteaFixture = """
        [{"id":17,"pinned":false,"repository":{"id":4,"full_name":"ada/engine","html_url":"https://codeberg.org/ada/engine"},
          "subject":{"title":"Fix the flux capacitor","url":"https://codeberg.org/api/v1/repos/ada/engine/issues/12","latest_comment_url":"","html_url":"https://codeberg.org/ada/engine/issues/12","type":"Issue","state":"open"},
          "unread":true,"updated_at":"2026-03-01T09:00:00Z","url":"https://codeberg.org/api/v1/notifications/threads/17"},
         {"id":16,"pinned":false,"repository":{"id":4,"full_name":"ada/engine","html_url":"https://codeberg.org/ada/engine"},
          "subject":{"title":"Release 2.0","url":"","latest_comment_url":"","html_url":"https://codeberg.org/ada/engine/pulls/11","type":"Pull","state":"merged"},
          "unread":false,"updated_at":"2026-02-28T09:00:00Z","url":"https://codeberg.org/api/v1/notifications/threads/16"}]
        """

    @Test func giteaExampleListsPagesAndMarksRead() async throws {
        let c = try Self.example("gitea")
        let s = c.sources[0]
        #expect(s.token == .file("~/.config/belfry/forgejo.token"))
        let t = RecordingTransport { r in
            if r.method == "PATCH" { return HTTPResponse(status: 205) }
            return json(r.queryItems["page"] == "1" ? Self.giteaFixture : "[]")
        }
        let client = ProviderClient(source: s, transport: t, token: "gt")
        let items = try await client.listUnread()
        #expect(items.count == 2)
        #expect(items[0].id == "17")
        #expect(items[0].title == "Fix the flux capacitor")
        #expect(items[0].body == "ada/engine: Issue open")
        #expect(items[0].link == "https://codeberg.org/ada/engine/issues/12")
        #expect(!items[0].isRead)
        #expect(items[1].isRead)
        #expect(t.requests[0].queryItems == ["status-types": "unread", "page": "1", "limit": "50"])
        #expect(t.requests[0].headers.contains(HTTPHeader("Authorization", "token gt")))
        try await client.markRead(ids: ["17"])
        #expect(t.requests.last?.method == "PATCH")
        #expect(t.requests.last?.url == "https://codeberg.org/api/v1/notifications/threads/17")
    }

    /// From Mastodon's API docs (Notification entity).
    static let mastodonFixture = """
        [{"id":"34975861","type":"mention","created_at":"2026-03-01T10:00:00.000Z",
          "account":{"id":"1","acct":"ada@example.social","display_name":"Ada","url":"https://example.social/@ada","note":""},
          "status":{"id":"1035","content":"<p>Hello <span class=\\"h-card\\"><a href=\\"https://mastodon.social/@me\\">@me</a></span> &amp; welcome</p>","url":"https://example.social/@ada/1035"}},
         {"id":"34975535","type":"favourite","created_at":"2026-03-01T09:00:00.000Z",
          "account":{"id":"2","acct":"bob","display_name":"Bob","url":"https://mastodon.social/@bob","note":""},
          "status":{"id":"1034","content":"<p>mine</p>","url":"https://mastodon.social/@me/1034"}}]
        """

    @Test func mastodonExampleStripsHTMLAndPagesByMaxID() async throws {
        let c = try Self.example("mastodon")
        let s = c.sources[0]
        #expect(s.profile.stream?.endpoint.path == "/api/v1/streaming/user/notification")
        #expect(s.profile.stream?.event == "notification")
        #expect(s.profile.markRead == nil)
        let t = RecordingTransport { r in json(r.queryItems["max_id"] == nil ? Self.mastodonFixture : "[]") }
        let items = try await ProviderClient(source: s, transport: t, token: "m").listUnread()
        #expect(items.map(\.id) == ["34975861", "34975535"])
        #expect(items[0].title == "Ada (mention)")
        #expect(items[0].body == "Hello @me & welcome")
        #expect(items[0].link == "https://example.social/@ada/1035")
        #expect(t.requests.count == 1, "a short page ends paging")
        #expect(!Inbox.wanted(items[1], by: s), "favourites are excluded by the example")
    }

    @Test func overrideExampleKeepsTheRestOfThePreset() throws {
        let s = try Self.example("override").sources[0]
        #expect(s.profile.markRead?.endpoint.path == "/api/v2/notifications/{id}/read")
        #expect(s.profile.markRead?.doneStatuses == [404])
        #expect(s.profile.stream?.endpoint.path == "/api/v1/notifications/stream")
        #expect(s.query["dataset_id"] == "0b5f6a2e-2d8a-4d3c-9a57-0d1e2f3a4b5c")
    }

    @Test func discourseExampleSendsTwoHeadersAndANumericBody() async throws {
        let s = try Self.example("discourse").sources[0]
        let t = RecordingTransport { r in
            r.method == "PUT" ? json(#"{"success":"OK"}"#)
                : json(#"{"notifications":[{"id":5,"notification_type":1,"read":false,"slug":"hello","topic_id":12,"post_number":3,"fancy_title":"Hello","data":{"display_username":"ada"}}]}"#)
        }
        let c = ProviderClient(source: s, transport: t, token: "dk_0123456789")
        let items = try await c.listUnread()
        #expect(items.map(\.id) == ["5"])
        #expect(items[0].link == "https://meta.example.org/t/hello/12/3")
        try await c.markRead(ids: ["5"])
        #expect(t.requests.last?.body.map { String(decoding: $0, as: UTF8.self) } == #"{"id": 5}"#)
        #expect(t.requests.allSatisfy { $0.headers.contains(HTTPHeader("Api-Key", "dk_0123456789")) && $0.headers.contains(HTTPHeader("Api-Username", "system")) })
    }

    @Test func githubExampleKeepsTheAPILinkAndARewrittenFallback() async throws {
        let s = try Self.example("github").sources[0]
        let t = RecordingTransport { _ in
            json(#"[{"id":"9","unread":true,"reason":"review_requested","updated_at":"2026-03-01T09:00:00Z","subject":{"title":"Speed up","url":"https://api.github.com/repos/o/r/pulls/7","latest_comment_url":null,"type":"PullRequest"},"repository":{"full_name":"o/r","html_url":"https://github.com/o/r"}}]"#)
        }
        let items = try await ProviderClient(source: s, transport: t, token: "g").listUnread()
        #expect(items[0].linkAPI == "https://api.github.com/repos/o/r/pulls/7")
        #expect(items[0].link == "https://github.com/o/r/pull/7")
        #expect(t.requests[0].queryItems == ["page": "1", "per_page": "50"])
    }

    @Test func ntfyExampleReadsJSONLinesAndMastodonMarksAllWithTheMarker() async throws {
        let ntfy = try Self.example("ntfy").sources[0]
        let t = RecordingTransport { _ in json(#"{"id":"m1","time":1,"event":"message","topic":"mytopic","message":"Disk full"}"# + "\n") }
        let items = try await ProviderClient(source: ntfy, transport: t, token: "tk").listUnread()
        #expect(items.map(\.title) == ["mytopic"])
        #expect(ntfy.profile.stream?.event == "message")
        let mastodon = try Self.example("mastodon").sources[0]
        #expect(mastodon.repeatedQuery == ["exclude_types[]": ["favourite", "reblog"]])
        let m = RecordingTransport { _ in json("{}") }
        try await ProviderClient(source: mastodon, transport: m, token: "x").markAllRead(newestID: "42")
        #expect(m.requests[0].body.map { String(decoding: $0, as: UTF8.self) } == #"{"notifications": {"last_read_id": "42"}}"#)
    }

    @Test func keyReferenceInTheDocsIsCurrent() throws {
        let doc = try String(contentsOfFile: Self.docPath, encoding: .utf8)
        let marker = "<!-- generated: ProfileSchema.referenceMarkdown(); a test keeps it in step -->\n"
        let generated = ProfileSchema.referenceMarkdown()
        let current = doc.components(separatedBy: marker).last ?? ""
        if current != generated {
            try? (doc.components(separatedBy: marker)[0] + marker + generated).write(toFile: "/tmp/profiles.md.expected", atomically: true, encoding: .utf8)
        }
        #expect(current == generated, "docs/profiles.md's key reference is stale; the expected file is at /tmp/profiles.md.expected")
    }
}
