import Testing
@testable import BelfryCore

/// Issue 15 point 7: an API link looked up on click, with fallbacks.
@Suite struct LinkResolverTests {
    static func github(base: String = "https://api.github.com") throws -> SourceConfig {
        try config("""
            [[source]]
            name = "gh"
            preset = "custom"
            base_url = "\(base)"
            web_url = "https://github.com"
            token = "ghp_secret_token"
            [source.profile]
            items = "."
            [source.profile.list]
            path = "/notifications"
            [source.profile.fields]
            title = "subject.title"
            link = "repository.html_url"
            link_api = ["subject.latest_comment_url", "subject.url"]
            link_rewrite = { "https://api.github.com/repos/" = "https://github.com/", "/pulls/" = "/pull/" }
            """).sources[0]
    }

    static let thread = """
        [{"id":"1","subject":{"title":"Fix","url":"https://api.github.com/repos/o/r/pulls/7","latest_comment_url":null},
          "repository":{"html_url":"https://github.com/o/r"}},
         {"id":"2","subject":{"title":"Comment","url":"https://api.github.com/repos/o/r/issues/3","latest_comment_url":"https://api.github.com/repos/o/r/issues/comments/99"},
          "repository":{"html_url":"https://github.com/o/r"}},
         {"id":"3","subject":{"title":"Elsewhere","url":"https://evil.example.com/repos/o/r/issues/4"},
          "repository":{"html_url":"https://github.com/o/r"}}]
        """

    @Test func extractionKeepsTheAPILinkAndRewritesTheFallback() throws {
        let s = try Self.github()
        let items = ItemExtractor(source: s).items(in: try JSONValue.parse(Self.thread)).items
        #expect(items[0].linkAPI == "https://api.github.com/repos/o/r/pulls/7")
        #expect(items[0].link == "https://github.com/o/r/pull/7")
        #expect(items[1].linkAPI == "https://api.github.com/repos/o/r/issues/comments/99", "the latest comment comes first")
        #expect(items[2].link == "https://github.com/o/r", "no rewrite matched: the static link")
    }

    @Test func aLookupOpensTheAnswersHTMLURL() async throws {
        let s = try Self.github()
        let t = RecordingTransport { r in
            json(#"{"id":99,"html_url":"https://github.com/o/r/issues/3#issuecomment-99"}"#)
        }
        let items = ItemExtractor(source: s).items(in: try JSONValue.parse(Self.thread)).items
        let link = await LinkResolver(client: ProviderClient(source: s, transport: t, token: "ghp_secret_token")).webLink(for: items[1])
        #expect(link == "https://github.com/o/r/issues/3#issuecomment-99")
        #expect(t.requests.map(\.url) == ["https://api.github.com/repos/o/r/issues/comments/99"])
        #expect(t.requests[0].headers.contains(HTTPHeader("Authorization", "Bearer ghp_secret_token")))
    }

    @Test func aFailedLookupFallsBack() async throws {
        let s = try Self.github()
        let items = ItemExtractor(source: s).items(in: try JSONValue.parse(Self.thread)).items
        for answer in [json("{}", status: 404), json(#"{"html_url":"javascript:alert(1)"}"#), json("not json")] {
            let t = RecordingTransport { _ in answer }
            let link = await LinkResolver(client: ProviderClient(source: s, transport: t, token: "k")).webLink(for: items[0])
            #expect(link == "https://github.com/o/r/pull/7")
        }
        let down = RecordingTransport { _ in throw HTTPError(.connect, "refused") }
        #expect(await LinkResolver(client: ProviderClient(source: s, transport: down, token: "k")).webLink(for: items[0])
            == "https://github.com/o/r/pull/7")
    }

    @Test func theTokenNeverGoesToAnotherOrigin() async throws {
        let s = try Self.github()
        let items = ItemExtractor(source: s).items(in: try JSONValue.parse(Self.thread)).items
        let t = RecordingTransport { _ in json(#"{"html_url":"https://evil.example.com/phish"}"#) }
        let link = await LinkResolver(client: ProviderClient(source: s, transport: t, token: "k")).webLink(for: items[2])
        #expect(t.requests.isEmpty)
        #expect(link == "https://github.com/o/r")
    }
}
