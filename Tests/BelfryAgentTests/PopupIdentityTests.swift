import BelfryAgent
import BelfryCore
import BelfryTestSupport
import Foundation
import Testing

/// What a popup says about itself on the bus (private bus, fake notification server): one Open
/// action, an icon that is installed (or a stock one), and the application name of its source.
@Suite(.serialized) struct PopupIdentityTests {
    /// Icon folders the test controls: `data` is $XDG_DATA_HOME, `system` the only $XDG_DATA_DIRS entry.
    func iconEnvironment(_ w: AgentWorld) -> [String: String] {
        ["XDG_DATA_HOME": w.dir + "/data", "XDG_DATA_DIRS": w.dir + "/system"]
    }

    func install(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test(arguments: [nil, #"["open", "mark-read"]"#])
    func oneOpenActionThenTheConfiguredButtons(actions: String?) async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: actions.map { "actions = \($0)" } ?? ""), log: LogCapture())
            try await w.waitUntilPolled()
            _ = try await w.addItems(#"[{"title":"with a link","link":"/a"}]"#)
            let linked = try #require(try await w.server!.waitForNotifyCalls(1).first)
            #expect(linked.actions == ["default", "Open", "mark-read", "Mark read"], "one Open, no `open` key")
            #expect(linked.hints["desktop-entry"] == .string("belfry"))

            // A popup from an older Belfry offered `open`: still obeyed.
            try await w.server!.emitActionInvoked(id: linked.returnedID, key: "open")
            try await w.eventually("the link opened") { w.openerLog.count == 1 }
            #expect(w.openerLog.first?.hasSuffix("https://app.example.com/a") == true)
        }
    }

    @Test func anIconInNoThemeIsReplacedByAStockOneUntilItIsInstalled() async throws {
        try await withWorld { w in
            try install(w.dir + "/system/icons/Adwaita/48x48/legacy/mail-unread.png")
            let log = LogCapture()
            try await w.start(w.configText(), log: log, environment: iconEnvironment(w))
            try await w.waitUntilPolled()
            _ = try await w.addItems(#"[{"title":"before make install"}]"#)
            #expect(try await w.server!.waitForNotifyCalls(1)[0].appIcon == "mail-unread", "`belfry` is in no theme")
            #expect(log.contains(#"icon "belfry" is in no icon theme (`make install` installs it); popups show "mail-unread" instead"#))

            // What `make install` puts in place (the user's own data folder), then a reload.
            try install(w.dir + "/data/icons/hicolor/scalable/apps/belfry.svg")
            #expect(await w.agent.reload() == nil)
            try await w.waitUntilPolled()
            _ = try await w.addItems(#"[{"title":"after make install"}]"#)
            #expect(try await w.server!.waitForNotifyCalls(2)[1].appIcon == "belfry")
        }
    }

    @Test func aSourcesIconOverridesAndAMissingPathFallsBack() async throws {
        try await withWorld { w in
            try install(w.dir + "/system/icons/hicolor/scalable/status/dialog-information.svg")
            try install(w.dir + "/mine.svg")
            let text = w.configText(source: #"icon = "\#(w.dir)/mine.svg""#) + """

                [[source]]
                name = "gone"
                preset = "jaot"
                base_url = "\(w.emulator.baseURL)"
                token = "test-token"
                poll_interval = "1s"
                icon = "\(w.dir)/deleted.png"
                """
            try await w.start(text, log: LogCapture(), environment: iconEnvironment(w))
            // Both sources' first listings before the item: one listed later would take it as backlog.
            try await bothPolled(w)
            _ = try await w.addItems(#"[{"title":"both"}]"#)
            let calls = try await w.server!.waitForNotifyCalls(2)
            #expect(Set(calls.map(\.appIcon)) == [w.dir + "/mine.svg", "dialog-information"])
        }
    }

    @Test func eachSourcesPopupsCarryItsOwnAppName() async throws {
        try await withWorld { w in
            let text = w.configText(source: #"app_name = "Jaot (work)""#) + """

                [[source]]
                name = "ops"
                preset = "jaot"
                base_url = "\(w.emulator.baseURL)"
                token = "test-token"
                poll_interval = "1s"
                """
            try await w.start(text, log: LogCapture())
            try await bothPolled(w)
            _ = try await w.addItems(#"[{"title":"seen by both"}]"#)
            let calls = try await w.server!.waitForNotifyCalls(2)
            #expect(Set(calls.map(\.appName)) == ["Jaot (work)", "ops"])
            #expect(calls.allSatisfy { $0.hints["desktop-entry"] == .string("belfry") }, "servers still find belfry.desktop")
        }
    }

    func bothPolled(_ w: AgentWorld) async throws {
        try await w.eventually("both sources polled") {
            let sources = await w.agent.statusJSON()["sources"]?.array ?? []
            return sources.count == 2 && sources.allSatisfy { $0["state"]?.string == "ok" }
        }
    }
}
