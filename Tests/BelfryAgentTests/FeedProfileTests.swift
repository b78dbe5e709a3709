import BelfryCore
import BelfryEmulatorKit
import Foundation
import Testing

/// Issue 15 points 6 and 7 with the real agent against the emulator's generic `feed` preset: a
/// Discourse-like two-header source, a Mastodon-like repeated filter, a JSON-lines listing, and links
/// looked up on click.
@Suite(.serialized) struct FeedProfileTests {
    static let twoHeaders = EmulatorOptions(authHeaders: ["Api-Key": "{token}", "Api-Username": "system"])

    /// A custom profile for the feed preset; `profile` adds keys to `[source.profile]`, `list` to its list.
    static func source(profile: String = "", list: String = "", fields: String = "", extra: String = "") -> String {
        """
        \(extra)
        [source.profile]
        items = "."
        \(profile)
        [source.profile.list]
        path = "/feed/notifications"
        \(list)
        [source.profile.fields]
        title = "title"
        body = "message"
        is_read = "read"
        \(fields)
        [source.profile.mark_read]
        method = "PUT"
        path = "/feed/notifications/mark-read"
        body = '{"id": {id}}'
        """
    }

    static func firstPoll(_ w: AgentWorld) async throws {
        try await w.eventually("first poll") { await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
    }

    @Test func discourseLikeSourceSendsBothHeadersAndANumericMarkReadBody() async throws {
        try await withWorld(preset: .feed, options: Self.twoHeaders) { w in
            let text = Self.source(profile: #"auth_headers = { "Api-Key" = "{token}", "Api-Username" = "system" }"#)
            try await w.start(w.configText(source: text, preset: "custom"))
            try await Self.firstPoll(w)
            _ = try await w.addItems(#"[{"id":5,"title":"A reply"}]"#)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            #expect(popup.summary == "A reply")
            try await w.server!.emitActionInvoked(id: popup.returnedID, key: "mark-read")
            try await w.eventually("the service got the mark-read") {
                try await w.calls().contains { $0["method"]?.string == "PUT" }
            }
            let calls = try await w.calls()
            let put = try #require(calls.first { $0["method"]?.string == "PUT" })
            #expect(put["body"]?.string == #"{"id": 5}"#)
            #expect(put["path"]?.string == "/feed/notifications/mark-read")
            #expect(calls.count >= 2)
            for call in calls {
                #expect(call[path: "headers.api-key"]?.string == "test-token", "\(call)")
                #expect(call[path: "headers.api-username"]?.string == "system", "\(call)")
                #expect(call["authorized"]?.bool == true)
            }
            let items = try await w.admin("GET", "/_emulator/items").array ?? []
            #expect(items.first { $0["id"]?.int == 5 }?["read"]?.bool == true)
        }
    }

    @Test func mastodonLikeRepeatedExcludeTypes() async throws {
        try await withWorld(preset: .feed) { w in
            let text = Self.source(extra: #"query = { "exclude_types[]" = ["follow", "favourite"] }"#)
            try await w.start(w.configText(source: text, preset: "custom"))
            try await Self.firstPoll(w)
            _ = try await w.addItems(#"[{"type":"follow","title":"Followed"},{"type":"mention","title":"Mentioned"}]"#)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            #expect(popup.summary == "Mentioned")
            let list = try #require(try await w.calls().first { $0["path"]?.string == "/feed/notifications" })
            let pairs = (list["query_pairs"]?.array ?? []).map { ($0[path: "0"]?.string ?? "") + "=" + ($0[path: "1"]?.string ?? "") }
            #expect(pairs.filter { $0.hasPrefix("exclude_types") } == ["exclude_types[]=follow", "exclude_types[]=favourite"])
            #expect(await w.agent.countJSON()["total"] == 1, "the service filtered the follow out")
        }
    }

    @Test func jsonLinesListing() async throws {
        try await withWorld(preset: .feed) { w in
            _ = try await w.addItems(#"[{"title":"One"},{"title":"Two"}]"#)
            let text = Self.source(list: "format = \"json_lines\"").replacingOccurrences(of: "path = \"/feed/notifications\"", with: "path = \"/feed/notifications/json\"")
            try await w.start(w.configText(source: text, preset: "custom"))
            try await Self.firstPoll(w)
            #expect(await w.agent.countJSON()["total"] == 2)
            #expect(try await w.calls().contains { $0["path"]?.string == "/feed/notifications/json" })
        }
    }

    @Test func aClickOpensTheLookedUpPageAndAFailedLookupTheFallback() async throws {
        try await withWorld(preset: .feed) { w in
            try await w.start(w.configText(source: Self.source(fields: #"link = "link""# + "\nlink_api = \"url\""), preset: "custom"))
            try await Self.firstPoll(w)
            _ = try await w.addItems(#"[{"id":7,"title":"Looked up"}]"#)
            let first = try #require(try await w.server!.waitForNotifyCalls(1).first)
            try await w.server!.emitActivationToken(id: first.returnedID, token: "tok-7")
            try await w.server!.emitActionInvoked(id: first.returnedID, key: "default")
            try await w.eventually("the opener ran") { w.openerLog.count == 1 }
            #expect(w.openerLog == ["tok-7 https://web.feed.example/t/7"])
            let lookup = try #require(try await w.calls().first { $0["path"]?.string == "/feed/objects/7" })
            #expect(lookup["token"]?.string == "test-token", "the lookup carries the source's auth")

            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":500,"times":1,"path":"/feed/objects/8"}"#)
            _ = try await w.addItems(#"[{"id":8,"title":"Lookup fails"}]"#)
            let calls = try await w.server!.waitForNotifyCalls(2)
            let second = try #require(calls.first { $0.summary == "Lookup fails" })
            try await w.server!.emitActivationToken(id: second.returnedID, token: "tok-8")
            try await w.server!.emitActionInvoked(id: second.returnedID, key: "default")
            try await w.eventually("the opener ran again") { w.openerLog.count == 2 }
            #expect(w.openerLog.last == "tok-8 https://app.example.com/t/8", "the static link, resolved against web_url")
        }
    }

    @Test func belfryOpenLooksTheLinkUpToo() async throws {
        try await withWorld(preset: .feed) { w in
            try await w.start(w.configText(source: Self.source(fields: "link_api = \"url\""), preset: "custom"))
            try await Self.firstPoll(w)
            _ = try await w.addItems(#"[{"id":3,"title":"Open me"}]"#)
            try await w.eventually("listed") { await w.agent.countJSON()["total"] == 1 }
            #expect(await w.agent.openItem(key: "work:3"))
            try await w.eventually("the opener ran") { w.openerLog.count == 1 }
            #expect(w.openerLog == [" https://web.feed.example/t/3"])
        }
    }
}
