@testable import BelfryAgent
import BelfryCore
import BelfryEmulatorKit
import Foundation
import Testing

/// Issue 15, points 1 and 2, with the real agent against the emulator over loopback: new activity on
/// a known item pops once more; a listing is complete only when the service says it is.
@Suite(.serialized) struct RevisionPagingAgentTests {
    static let list = "/api/v2/notifications"

    /// jaot with forge-style paging: pages by number, the next announced in `Link`, the total in a header.
    static func paged(maxPages: Int = 20, limit: Int = 100) -> String {
        """
        [source.profile.paging]
        style = "page"
        page_param = "page"
        limit = \(limit)
        max_pages = \(maxPages)
        next_from = "link_header"
        total_header = "X-Total-Count"
        [source.profile.fields]
        updated_at = "updated_at"
        """
    }

    /// Waits until `n` more list requests than `after` reached the emulator: polls run one after the
    /// other, so the listing of the one before the last is handled by then.
    func polls(_ w: AgentWorld, after: Int, _ n: Int = 2) async throws {
        try await w.eventually("\(n) more polls") { try await w.calls(to: Self.list).count >= after + n }
    }

    var unread: (AgentWorld) async -> Int? { { w in await w.agent.statusJSON()["sources"]?[path: "0.unread"]?.int } }

    func items(_ n: Int, from start: Int = 0) -> String {
        "[" + (start..<start + n).map { #"{"id":"ntf_\#($0)","title":"item \#($0)","updated_at":"2026-01-01T00:00:00Z"}"# }
            .joined(separator: ",") + "]"
    }

    @Test func aReadThreadWithNewActivityPopsOnceMoreNotAgainAfterARestart() async throws {
        try await withWorld { w in
            let hourAgo = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
            _ = try await w.addItems(#"[{"id":"ntf_thread01","title":"Thread","updated_at":"\#(hourAgo)"}]"#)
            let config = w.configText(source: Self.paged(), desktop: "first_run = \"all\"")
            try await w.start(config)
            _ = try await w.server!.waitForNotifyCalls(1)
            // Read on the service's web page: no longer unread for Belfry either.
            try await w.admin("POST", "/_emulator/items/ntf_thread01/read")
            try await w.eventually("read elsewhere") { await unread(w) == 0 }
            // A new comment: the same id, unread again, a newer updated_at (now).
            try await w.admin("POST", "/_emulator/items/ntf_thread01/reactivate", "{}")
            let calls = try await w.server!.waitForNotifyCalls(2)
            #expect(calls.map(\.summary) == ["Thread", "Thread"])
            try await w.eventually("counted unread again") { await unread(w) == 1 }
            try await polls(w, after: try await w.calls(to: Self.list).count)
            #expect(w.server!.notifyCalls.count == 2, "once per revision")
            try await w.stop()
            try await w.start(config)
            try await polls(w, after: try await w.calls(to: Self.list).count)
            #expect(w.server!.notifyCalls.count == 2, "not again after a restart")
            #expect(await unread(w) == 1)
        }
    }

    @Test func aHundredAndTwentyUnreadBehindAPageCapOfFiftyAreAllCounted() async throws {
        try await withWorld { w in
            try await w.admin("POST", "/_emulator/paging", #"{"style":"link","page_cap":50,"total_header":"X-Total-Count"}"#)
            _ = try await w.addItems(items(120))
            try await w.start(w.configText(source: Self.paged()))
            let calls = try await w.server!.waitForNotifyCalls(1)
            #expect(calls[0].summary == "120 unread in work")
            try await w.eventually("all 120 unread") { await unread(w) == 120 }
            #expect(try await w.calls(to: Self.list).count >= 3, "three pages of 50, 50 and 20")
        }
    }

    @Test func aListingCutByMaxPagesClosesNoPopupBeyondTheCut() async throws {
        try await withWorld { w in
            try await w.admin("POST", "/_emulator/paging", #"{"style":"link","page_cap":2}"#)
            _ = try await w.addItems(#"[{"id":"ntf_a","title":"A","created_at":"2026-01-01T00:00:00Z"},{"id":"ntf_b","title":"B","created_at":"2026-01-01T00:01:00Z"}]"#)
            try await w.start(w.configText(source: Self.paged(maxPages: 1, limit: 2), desktop: "first_run = \"all\""))
            _ = try await w.server!.waitForNotifyCalls(2)
            // A newer item pushes A to page 2, which max_pages = 1 never reads: A is still unread.
            _ = try await w.addItems(#"[{"id":"ntf_c","title":"C"}]"#)
            let calls = try await w.server!.waitForNotifyCalls(3)
            #expect(calls.last?.summary == "C")
            try await polls(w, after: try await w.calls(to: Self.list).count)
            #expect(w.server!.closeCalls.isEmpty, "A's popup stays open: \(w.server!.closeCalls)")
            #expect(await unread(w) == 3)
        }
    }

    @Test func aFirstRunWithMoreUnreadThanMaxPagesReadsSaysTheTrueNumber() async throws {
        try await withWorld { w in
            try await w.admin("POST", "/_emulator/paging", #"{"style":"link","page_cap":50,"total_header":"X-Total-Count"}"#)
            _ = try await w.addItems(items(260))
            try await w.start(w.configText(source: Self.paged(maxPages: 2, limit: 50)))
            let calls = try await w.server!.waitForNotifyCalls(1)
            #expect(calls[0].summary == "260 unread in work")
            try await polls(w, after: try await w.calls(to: Self.list).count, 4)
            #expect(w.server!.notifyCalls.count == 1, "said once, not per poll")
            // A new item after the first run still pops on its own.
            _ = try await w.addItems(#"[{"id":"ntf_new","title":"Fresh"}]"#)
            let after = try await w.server!.waitForNotifyCalls(2)
            #expect(after.last?.summary == "Fresh")
        }
    }
}
