import Testing
@testable import BelfryCore

/// Issue 15, point 2: paging follows the service's "next" signals, and a cut listing is not complete.
@Suite struct ListingPagerTests {
    static func items(_ ids: ClosedRange<Int>) -> String {
        "[" + ids.map { #"{"id":"\#($0)","title":"t"}"# }.joined(separator: ",") + "]"
    }

    func client(_ paging: String, _ handler: @escaping (HTTPRequest) throws -> HTTPResponse) throws -> (ProviderClient, RecordingTransport) {
        let s = try source(preset: "jaot", base: "https://api.example.com/api", extra: """
            [source.profile]
            items = "."
            [source.profile.paging]
            \(paging)
            """)
        let t = RecordingTransport(handler)
        return (ProviderClient(source: s, transport: t, token: "t0ken"), t)
    }

    @Test func linkHeaderPagesAreFollowedAsGivenPastAShortPage() async throws {
        let (c, t) = try client("style = \"page\"\nlimit = 100\nnext_from = \"link_header\"") { r in
            if r.url.contains("after=x") { return json(Self.items(51...60)) }
            return json(Self.items(1...50), headers: [HTTPHeader("Link", #"<https://api.example.com/api/v2/notifications?after=x&exclude[]=a&exclude[]=b>; rel="next", <https://api.example.com/api/v2/notifications?page=1>; rel="first""#)])
        }
        let listing = try await c.listing()
        #expect(listing.items.count == 60)
        #expect(listing.complete)
        #expect(t.requests.last?.url == "https://api.example.com/api/v2/notifications?after=x&exclude[]=a&exclude[]=b")
    }

    @Test func aNextLinkOffTheAPIIsRefusedNamingBoth() async throws {
        let (c, _) = try client("style = \"page\"\nnext_from = \"link_header\"") { _ in
            json(Self.items(1...2), headers: [HTTPHeader("Link", #"<https://evil.example.net/api/v2/notifications?page=2>; rel="next""#)])
        }
        await #expect { try await c.listing() } throws: { e in
            let m = (e as? ProviderError)?.message ?? ""
            return m.contains("evil.example.net") && m.contains("https://api.example.com/api")
        }
    }

    @Test func xNextPageAndATotalHeader() async throws {
        let (c, t) = try client("style = \"page\"\nlimit = 2\nnext_from = \"x_next_page\"\ntotal_header = \"X-Total\"") { r in
            let page = r.queryItems["page"] ?? "1"
            return json(page == "1" ? Self.items(1...2) : Self.items(3...3),
                        headers: [HTTPHeader("X-Next-Page", page == "1" ? "2" : ""), HTTPHeader("X-Total", "3")])
        }
        let listing = try await c.listing()
        #expect(listing.items.map(\.id) == ["1", "2", "3"])
        #expect(listing.complete && listing.total == 3)
        #expect(t.requests.count == 2)
    }

    @Test func aListingCutByMaxPagesIsNotCompleteAndCarriesTheTotal() async throws {
        let (c, _) = try client("style = \"page\"\nlimit = 2\nmax_pages = 2\nnext_from = \"x_next_page\"\ntotal_header = \"X-Total-Count\"") { r in
            let page = Int(r.queryItems["page"] ?? "1")!
            return json(Self.items((2 * page - 1)...(2 * page)), headers: [HTTPHeader("X-Next-Page", String(page + 1)), HTTPHeader("X-Total-Count", "1200")])
        }
        let listing = try await c.listing()
        #expect(listing.items.count == 4)
        #expect(!listing.complete)
        #expect(listing.total == 1200)
    }

    @Test func withoutANextSignalAShortPageStillEndsACompleteListing() async throws {
        let (c, t) = try client("style = \"page\"\nlimit = 5") { _ in json(Self.items(1...3)) }
        let listing = try await c.listing()
        #expect(listing.complete && listing.items.count == 3 && t.requests.count == 1)
    }

    @Test func nextLinkParsing() {
        #expect(ListingPager.nextLink(#"<https://a/x?max_id=1>; rel="next", <https://a/x?min_id=9>; rel="prev""#) == "https://a/x?max_id=1")
        #expect(ListingPager.nextLink(#"<https://a/p1>; rel="prev", <https://a/p3>; rel=next"#) == "https://a/p3")
        #expect(ListingPager.nextLink(#"<https://a/p1>; rel="first""#) == nil)
        #expect(ListingPager.nextLink("garbage") == nil)
    }

    @Test func badPagingValuesAreRefusedByName() {
        let errors = configErrors("""
            [[source]]
            name = "work"
            preset = "jaot"
            base_url = "https://api.example.com"
            token = "t"
            [source.profile.paging]
            next_from = "header"
            """)
        #expect(errors.contains { $0.key?.hasSuffix("paging.next_from") == true && $0.message.contains("link_header") })
    }
}

/// Issue 15, point 2 in the Inbox: a cut listing concludes nothing and counts what it did not reach.
@Suite struct InboxCutListingTests {
    let src: SourceConfig
    init() throws { src = try source(preset: "jaot") }
    func item(_ id: String) -> Item { Item(source: "work", id: id, title: id, createdAt: 1000) }

    @Test func aCutListingClosesNothingAndCountsTheRemainderOnce() {
        var inbox = Inbox(state: PersistedState(sources: ["work": SourceState(initialized: true)]))
        _ = inbox.ingest([item("c"), item("b"), item("a")], from: src, complete: true, now: 1000, maxAge: .seconds(3600))
        let cut = inbox.ingest([item("d"), item("c")], from: src, complete: false, now: 1001, maxAge: .seconds(3600), cut: true, total: 10)
        #expect(cut.readElsewhere.isEmpty)
        #expect(cut.fresh.map(\.id) == ["d"])
        #expect(cut.unlisted == 6)  // 10 on the service, 4 known unread
        #expect(inbox.ingest([item("d"), item("c")], from: src, complete: false, now: 1002, maxAge: .seconds(3600), cut: true, total: 10).unlisted == 0)
        #expect(inbox.ingest([item("d"), item("c")], from: src, complete: false, now: 1003, maxAge: .seconds(3600), cut: true, total: 12).unlisted == 2)
    }

    @Test func aCutFirstListingEndsTheFirstRunAndSaysTheTrueNumber() {
        var inbox = Inbox(state: PersistedState())
        let first = inbox.ingest([item("b"), item("a")], from: src, complete: false, now: 1000, maxAge: .seconds(3600), cut: true, total: 10_000)
        #expect(first.backlog.count == 2)
        #expect(first.backlog.count + first.unlisted == 10_000)
        #expect(inbox.isInitialized("work"))
        #expect(inbox.ingest([item("c"), item("b")], from: src, complete: false, now: 1001, maxAge: .seconds(3600), cut: true, total: 10_001).fresh.map(\.id) == ["c"])
    }
}
