import Testing
@testable import BelfryCore

@Suite struct ProfileTests {
    @Test(arguments: ["jaot", "aira", "taskrunner", "bytespike", "visual-layer"])
    func everyPresetParsesStrictly(preset: String) throws {
        let s = try source(preset: preset)
        #expect(!s.profile.list.path.isEmpty)
        #expect(!s.profile.fields.id.isEmpty)
    }

    @Test func overridesMergeIntoThePreset() throws {
        let s = try source(preset: "jaot", extra: """
            [source.profile.mark_read]
            path = "/v3/n/{id}/seen"
            [source.profile.fields]
            body = "data.summary"
            """)
        #expect(s.profile.markRead?.endpoint.path == "/v3/n/{id}/seen")
        #expect(s.profile.markRead?.endpoint.method == "POST")
        #expect(s.profile.fields.body == ["data.summary"])
        #expect(s.profile.fields.title == ["title"])
    }

    @Test func badProfilesAreRefusedWithKeyAndReason() {
        var errors = configErrors("""
            [[source]]
            name = "x"
            preset = "custom"
            base_url = "https://x.example"
            token = "t"
            """)
        #expect(errors.contains { $0.key == "source[0].profile" })
        errors = configErrors("""
            [[source]]
            name = "x"
            preset = "custom"
            base_url = "https://x.example"
            token = "t"
            [source.profile.list]
            path = "api/list"
            [source.profile.paging]
            style = "pages"
            [source.profile.fields]
            idd = "id"
            """)
        #expect(errors.contains { $0.key == "source[0].profile.list.path" && $0.message.contains("start with /") && $0.line == 7 })
        #expect(errors.contains { $0.key == "source[0].profile.paging.style" && $0.line == 9 })
        #expect(errors.contains { $0.key == "source[0].profile.fields.idd" && $0.message.contains("unknown key") && $0.line == 11 })
    }

    @Test func markReadWithoutIdOrBatchIsRefused() {
        let errors = configErrors("""
            [[source]]
            name = "x"
            preset = "jaot"
            base_url = "https://x.example"
            token = "t"
            [source.profile.mark_read]
            path = "/read"
            """)
        #expect(errors.contains { $0.key == "source[0].profile.mark_read.path" && $0.message.contains("{id}") })
    }

    /// jaot's own example response, from providers/jaot.md.
    static let jaotExample = """
        {"items":[{"id":"ntf_a1b2c3d4","type":"execution_complete","title":"Solve completed","message":"Your warehouse allocation optimization finished with status: optimal","data":{"execution_id":"exe_9a1b2c3d","objective_value":1250.50},"link":"/executions/exe_9a1b2c3d","is_read":false,"created_at":"2026-02-19T10:05:12Z"},{"id":"ntf_e5f6g7h8","type":"credits_low","title":"Low credit balance","message":"Your organization has 15 credits remaining. Consider purchasing more.","data":{"credits_remaining":15},"link":"/workspace/credits","is_read":false,"created_at":"2026-02-18T14:30:00Z"}],"total":2,"unread_count":2}
        """

    @Test func jaotDocExampleBecomesItems() throws {
        let s = try source(preset: "jaot", extra: "urgency = { credits_low = \"critical\" }")
        let (items, skipped) = ItemExtractor(source: s).items(in: try JSONValue.parse(Self.jaotExample))
        #expect(skipped.isEmpty)
        #expect(items.count == 2)
        let a = items[0]
        #expect(a.key == "work:ntf_a1b2c3d4")
        #expect(a.type == "execution_complete")
        #expect(a.title == "Solve completed")
        #expect(a.body.hasPrefix("Your warehouse allocation"))
        #expect(a.link == "https://app.example.com/executions/exe_9a1b2c3d")
        #expect(a.createdAt == Timestamp.parse("2026-02-19T10:05:12Z"))
        #expect(a.isRead == false)
        #expect(a.urgency == .normal)
        #expect(items[1].urgency == .critical)
    }

    @Test func linksResolveAndUnsafeSchemesAreDropped() throws {
        let x = ItemExtractor(source: try source(preset: "jaot"))
        #expect(x.resolve(link: "/billing") == "https://app.example.com/billing")
        #expect(x.resolve(link: "https://other.example/x?y=1") == "https://other.example/x?y=1")
        #expect(x.resolve(link: "javascript:alert(1)") == nil)
        #expect(x.resolve(link: "file:///etc/passwd") == nil)
        #expect(x.resolve(link: "") == nil)
    }

    /// Plain root-relative links skip Foundation's URL resolution (a hot path per streamed item); the
    /// shortcut must give exactly what the resolution gives, and leave every other shape to it.
    @Test(arguments: ["https://app.example.com", "https://app.example.com/", "https://app.example.com/app/sub",
                      "http://u:p@host.example:8443/x/", "not a url"])
    func rootRelativeShortcutAgreesWithURLResolution(webURL: String) throws {
        var s = try source(preset: "jaot")
        s.webURL = webURL
        let x = ItemExtractor(source: s)
        let links = [
            "/billing", "/", "/a/b/c", "/dataset/ds9/data?view_id=v1", "/x?y=1&z=/w:@?#frag", "/p#", "/p?",
            "/a.b/c..d/...", "/a/%2E%2E/b", "/%41%62", "/%zz", "/%4", "/caf%C3%A9", "/~user/(x)!$&'*+,;=:@",
            "/a/./b", "/a/../b", "/..", "/.", "/a/.", "/a/..?q", "/a/.#f", "//evil.example/x", "/a//b",
            "/with space", "/quote\"", "/caf\u{E9}", "/a#b#c", "/back\\slash", "/<tag>", "/a?b=c|d",
        ]
        for link in links {
            #expect(x.resolve(link: link) == x.resolveByParsing(link), "\(link) on \(webURL)")
        }
        #expect(ItemExtractor.isPlainRootRelative("/dataset/ds9/data?view_id=v1"))
        #expect(ItemExtractor.isPlainRootRelative("/a.b/...?x=../y#/./z"))
        for link in ["/a/../b", "/a/./b", "/..", "/a/.", "//evil.example", "/with space", "/caf\u{E9}", "/a#b#c", "/%zz", "/%4", "relative"] {
            #expect(!ItemExtractor.isPlainRootRelative(link), "\(link)")
        }
    }

    @Test func fieldCandidatesArePathsTemplatesOrNeverForAnUnclosedBrace() throws {
        let json = try JSONValue.parse(#"{"a":{"b":[{"c":"deep"}]},"n":4,"empty":"","flag":true}"#)
        #expect(FieldCandidate("a.b.0.c").text(in: json) == "deep")
        #expect(FieldCandidate("n").text(in: json) == "4")
        #expect(FieldCandidate("missing").text(in: json) == nil)
        #expect(FieldCandidate("{n} of {a.b.0.c}!").text(in: json) == "4 of deep!")
        #expect(FieldCandidate("{empty} x").text(in: json) == nil)  // every path must give text
        #expect(FieldCandidate("{n} {a").text(in: json) == nil)     // unclosed
        #expect(FieldCandidate("plain {n}").text(in: json) == "plain 4")
        #expect(FieldPath("flag").value(in: json)?.bool == true)
        #expect(FieldPath(".").value(in: json) == json)
    }

    @Test func templatesAndFallbacks() throws {
        let vl = try source(preset: "visual-layer")
        let item = try #require(ItemExtractor(source: vl).item(from: try JSONValue.parse("""
            {"id":"7f1c","title":"","message":null,"metadata":{"view_name":"Cracks","dataset_name":"Bridges","result_count":4},"dataset_id":"ds9","entity_id":"v1","entity_type":"saved_view","created_at":"2026-06-01T10:00:00Z","read_at":null}
            """)))
        #expect(item.title == "New results in Cracks")
        #expect(item.body == "4 new results in Bridges")
        #expect(item.link == "https://app.example.com/dataset/ds9/data?view_id=v1")
        #expect(!item.isRead)
    }

    @Test func taskrunnerSeverityCountAndReadAt() throws {
        let tr = try source(preset: "taskrunner", base: "http://localhost:9477")
        let item = try #require(ItemExtractor(source: tr).item(from: try JSONValue.parse("""
            {"id":"01J8X0000000000000000000AA","kind":"run.failed","title":"backup failed","body":"exit 1","count":3,"severity":"error","run_id":"","task_name":"backup","created_at":"2026-06-01T10:00:00Z","last_occurred_at":"2026-06-01T10:05:00Z","fingerprint":"abc","occurrences":[]}
            """)))
        #expect(item.urgency == .critical)
        #expect(item.count == 3)
        #expect(item.link == "https://app.example.com/tasks/backup")
        #expect(!item.isRead)
        #expect(item.updatedAt == Timestamp.parse("2026-06-01T10:05:00Z"))
    }

    @Test func airaIdentityIsTheNotificationKey() throws {
        let a = try source(preset: "aira")
        let item = try #require(ItemExtractor(source: a).item(from: try JSONValue.parse("""
            {"id":"a1b2","type":"action_approval","notification_key":"action:a1b2","title":"Action requires approval","description":"transfer by agent-billing-bot","href":"/dashboard/actions/a1b2","created_at":"2026-06-04T14:22:00Z","read":true}
            """)))
        #expect(item.id == "action:a1b2")
        #expect(item.key == "work:action:a1b2")
        #expect(Item.splitKey(item.key)! == ("work", "action:a1b2"))
        #expect(item.body == "transfer by agent-billing-bot")
        #expect(item.isRead)
    }

    @Test func itemsWithoutIdAreSkippedWithANote() throws {
        let (items, skipped) = ItemExtractor(source: try source(preset: "jaot")).items(in: try JSONValue.parse(#"{"items":[{"title":"x"}]}"#))
        #expect(items.isEmpty)
        #expect(skipped.count == 1)
    }
}
