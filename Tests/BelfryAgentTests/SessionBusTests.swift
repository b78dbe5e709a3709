import BelfryAgent
import BelfryCore
import BelfryTestSupport
import Foundation
import Testing

/// The session bus going away under a running agent (the session's dbus-daemon stopped or crashed),
/// and a new one coming up at the same address: the agent keeps running, following its feed and
/// answering its control socket, warns once, keeps what arrives meanwhile, and reconnects by itself.
@Suite(.serialized) struct SessionBusTests {
    @Test func theSessionBusGoingAwayAndComingBackLosesNoItem() async throws {
        try await withWorld { w in
            let log = LogCapture()
            try await w.start(w.configText(), log: log)
            try await w.waitUntilPolled()
            let before = try #require(try await w.addItems(#"[{"title":"before the bus went"}]"#).first?["id"]?.string)
            _ = try await w.server!.waitForNotifyCalls(1)

            // The daemon is stopped by its pid (SIGTERM, then SIGKILL after 3 s), as a session ending
            // badly or a crash would; the fake server's connection goes with it.
            let daemon = try #require(w.bus.pid)
            let startLines = log.all.count   // the config warnings of the start come before
            func warnings() -> [String] { log.all.dropFirst(startLines).filter { $0.hasPrefix("warning") || $0.hasPrefix("error") } }
            w.bus.stop()
            #expect(kill(daemon, 0) != 0, "the dbus-daemon is gone")
            // Noticed either by the bus's own disconnect or by a popup whose answer the dying daemon never
            // sent (the "before" popup's, under load): the one warning names one or the other.
            do {
                try await w.eventually("the agent noticed") { log.contains("popups wait until it is back") }
            } catch {
                Issue.record("the agent's log: \(log.all.dropFirst(startLines).joined(separator: "\n"))")
                throw error
            }

            // Items keep coming: recorded, counted and listed through the control socket, and kept.
            var during: [String] = []
            for n in 1...3 {
                during.append(try #require(try await w.addItems(#"[{"title":"while there was no bus \#(n)"}]"#).first?["id"]?.string))
                try await w.eventually("item \(n) recorded") { try await w.control("count")["total"] == .number(Double(1 + n)) }
            }
            let listed = try await w.control("list")["items"]?.array?.compactMap { $0["id"]?.string } ?? []
            #expect(Set(listed) == Set([before] + during))
            #expect(try await w.control("status")["sources"]?[path: "0.state"] == "ok", "the feed is still followed")
            try await w.eventually("saved") {
                let text = (try? String(contentsOfFile: w.dir + "/state.json", encoding: .utf8)) ?? ""
                return during.allSatisfy { text.contains($0) }
            }
            // One warning for the outage, not one per item (a notice that the server left may come first).
            #expect(warnings().count == 1 && warnings().first?.contains("popups wait until it is back") == true, "\(warnings())")

            // A new daemon at the same address, a notification server on it: the agent reconnects by
            // itself (no new item needed) and shows what waited, once.
            try w.bus.restart()
            await w.server!.stop()
            let again = try await FakeNotificationServer.start(busAddress: w.bus.address)
            w.server = again
            let shown = try await again.waitForNotifyCalls(3, timeout: .seconds(20))
            #expect(Set(shown.map(\.summary)) == Set((1...3).map { "while there was no bus \($0)" }))
            #expect(log.contains("the session bus is back"))

            // New items pop again, and a click on one reaches the agent over the new connection.
            let after = try #require(try await w.addItems(#"[{"title":"after the bus came back"}]"#).first?["id"]?.string)
            let popup = try #require(try await again.waitForNotifyCalls(4, timeout: .seconds(10)).last)
            #expect(popup.summary == "after the bus came back")
            try await again.emitActionInvoked(id: popup.returnedID, key: "mark-read")
            try await w.eventually("marked read on the service") { try await w.isReadOnEmulator(after) }
            #expect(again.notifyCalls.map(\.summary).filter { $0 == "before the bus went" }.isEmpty, "nothing shown twice")
            #expect(try await w.control("count")["total"] == 4)
            #expect(warnings().count == 1, "still the one warning: \(warnings())")
        }
    }
}
