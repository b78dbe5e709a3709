import Foundation
import Testing

/// The agent against a real notification server: dunst under Xvfb on a private session bus, driven
/// with dunstctl, fed by the provider emulator over loopback HTTP. Needs Xvfb, dunst and dunstctl
/// (scripts/deps.sh installs them); without them these tests fail, they do not skip.
///
/// `BELFRY_SCREENSHOT=/path/to.png` also saves the popup of the coalescing test as a PNG
/// (ImageMagick's `import`). docs/screenshot.png is xfce4-notifyd under Xvfb on a private bus (it
/// draws the default action as a button), the agent against the emulator, captured with `import`.
@Suite(.serialized) struct DunstEndToEndTests {
    @Test func aNewItemPopsAndTheDefaultActionOpensItAndMarksItRead() async throws {
        try await withDunst(preset: .jaot) { w in
            try await w.start()
            let item = try await w.addItem(
                #"{"type":"execution_failed","title":"Solve failed","message":"Model <prod> is infeasible & stopped","link":"/executions/exe_42"}"#)
            let id = try #require(item["id"]?.string)
            try await w.eventually("dunst shows one popup") { try await w.desktop.displayedCount() == 1 }

            let shown = try #require(w.desktop.printed.last)
            #expect(shown.summary == "Solve failed")
            #expect(shown.body == "Model &lt;prod&gt; is infeasible &amp; stopped", "dunst renders markup: provider text is escaped")
            #expect(shown.fields["appname"] == "work", "the source's own name: servers group by it")
            #expect(shown.fields["desktop_entry"] == "belfry")
            #expect(shown.fields["category"] == "im.received")
            #expect(shown.fields["actions"]?.contains("default") == true)
            // More polls: still one popup.
            try await Task.sleep(for: .milliseconds(2500))
            #expect(try await w.desktop.displayedCount() == 1)
            #expect(w.desktop.printed.count == 1)

            _ = try await w.desktop.dunstctl("action", "0")
            try await w.eventually("the opener got the link") { !w.openerLog.isEmpty }
            #expect(w.openerLog == ["https://app.example.com/executions/exe_42"])
            try await w.eventually("the emulator got the documented mark-read request") {
                try await w.calls().contains { $0["method"]?.string == "POST" && $0["path"]?.string == "/api/v2/notifications/\(id)/read" }
            }
            let posts = try await w.calls().filter { $0["method"]?.string == "POST" }
            #expect(posts.count == 1)
            #expect(posts.first?["token"]?.string == "test-token")
            // Read: the agent closes its popup, and dunst keeps it in its history.
            try await w.eventually("the popup is closed") { try await w.desktop.displayedCount() == 0 }
            #expect(try await w.desktop.historySummaries() == ["Solve failed"])
            #expect(await w.agent.countJSON()["total"] == 0)
        }
    }

    @Test func aCoalescingUpdateReplacesThePopupInsteadOfAddingOne() async throws {
        try await withDunst(preset: .taskrunner) { w in
            try await w.start()
            let item = try await w.addItem(
                #"{"kind":"run.failed","task_name":"nightly-backup","title":"nightly-backup failed","body":"rsync exited with status 23","severity":"error"}"#)
            let id = try #require(item["id"]?.string)
            try await w.eventually("dunst shows one popup") { try await w.desktop.displayedCount() == 1 }
            let first = try #require(w.desktop.printed.last)
            #expect(first.summary == "nightly-backup failed")
            #expect(first.fields["urgency"] == "CRITICAL")

            try await w.admin("POST", "/_emulator/items/\(id)/repeat")
            try await w.admin("POST", "/_emulator/items/\(id)/repeat")
            try await w.eventually("dunst took the update") { w.desktop.printed.last?.body?.contains("(×3)") == true }
            let printed = w.desktop.printed
            #expect(printed.allSatisfy { $0.id == first.id }, "every update kept the popup's id (replaces_id)")
            #expect(printed.last?.body == "rsync exited with status 23 (×3)")
            #expect(try await w.desktop.displayedCount() == 1, "replaced, not added")
            #expect(try await w.desktop.historySummaries().isEmpty, "a replaced popup is not a closed one")

            if let path = ProcessInfo.processInfo.environment["BELFRY_SCREENSHOT"], !path.isEmpty {
                try await w.desktop.screenshot(to: path)
            }
        }
    }

    @Test func missingProgramsAreNamed() {
        #expect(E2EError.missing("dunst").description.contains("scripts/deps.sh"))
        #expect(ChildProcess.which("surely-not-a-program-belfry") == nil)
    }
}
