import BelfryAgent
import BelfryCore
import BelfryEmulatorKit
import BelfryTestSupport
import Foundation
import Testing

/// The wall clock jumping under a running agent (NTP stepping a wrong clock, a user setting the date,
/// a VM restored from a snapshot): the whole agent (feeds, desktop, outbox, state file) is given a
/// wall clock the test moves a day forward, a year back and back again, while the emulator keeps the
/// real time, as a service does. Timers run on the monotonic clock; the wall clock is only recorded
/// and shown; item ages are read on the service's clock (its `Date` header).
@Suite(.serialized) struct ClockJumpTests {
    /// One preset's way of adding an item and naming its popup.
    struct Feed: Sendable, CustomTestStringConvertible {
        var preset: EmulatorPreset
        var poll: String
        var transport: String
        var testDescription: String { "\(preset.rawValue) (\(transport))" }

        func itemJSON(_ title: String) -> String {
            preset == .visualLayer
                ? #"[{"metadata":{"view_name":"\#(title)","dataset_name":"D","result_count":1}}]"#
                : #"[{"title":"\#(title)"}]"#
        }

        func summary(_ title: String) -> String { preset == .visualLayer ? "New results in \(title)" : title }

        var markReadPrefix: String { preset == .visualLayer ? "/api/v1/notifications/" : "/api/v2/notifications/" }
    }

    static let feeds = [
        Feed(preset: .jaot, poll: "1s", transport: "poll"),
        // Polling set to minutes: items come over the stream, aged on the clock of its catch-up poll.
        Feed(preset: .visualLayer, poll: "10m", transport: "stream"),
    ]

    static let streamOptions = EmulatorOptions(ssePingInterval: .milliseconds(200))

    /// Each jump, then a new item: it pops (default `max_age` of 24 h, so a day ahead would silence
    /// it if ages were read on the local clock), nothing pops twice, nothing is lost, and the state
    /// file records every item once with `firstSeen` never going back.
    @Test(arguments: feeds)
    func aWallClockJumpingForwardAndBackShowsEachItemOnceAndLosesNone(feed: Feed) async throws {
        try await withWorld(preset: feed.preset, options: Self.streamOptions) { w in
            let clock = JumpingClock()
            let log = LogCapture()
            try await w.start(w.configText(poll: feed.poll), log: log, now: clock.now)
            try await w.eventually("the feed is up") {
                let s = await w.agent.statusJSON()["sources"]?[path: "0"]
                return s?["state"]?.string == "ok" && s?["transport"]?.string == feed.transport
            }
            let steps: [(String, Double)] = [("before the jumps", 0), ("a day ahead", JumpingClock.day),
                                             ("a year behind", -JumpingClock.year), ("back to now", 0)]
            var ids: [String] = []
            for (n, (title, offset)) in steps.enumerated() {
                clock.set(offsetBy: offset)
                let id = try #require(try await w.addItems(feed.itemJSON(title)).first?["id"]?.string)
                ids.append(id)
                let calls = try await w.server!.waitForNotifyCalls(n + 1, timeout: .seconds(15))
                #expect(calls.map(\.summary) == steps.prefix(n + 1).map { feed.summary($0.0) }, "after \"\(title)\"")
            }
            // A barrier: the first item read on the service is noticed only through a complete listing
            // made after the last jump, which lists the other three again; none of them may pop again.
            try await w.admin("POST", "/_emulator/items/\(ids[0])/read")
            await w.agent.syncNow(source: nil)
            try await w.eventually("a listing after the last jump was applied", timeout: .seconds(15)) {
                await w.agent.countJSON()["total"] == 3
            }
            #expect(w.server!.notifyCalls.map(\.summary) == steps.map { feed.summary($0.0) }, "each item shown once")
            #expect(Set(await w.agent.unreadItems().map(\.id)) == Set(ids.dropFirst()), "nothing lost")
            #expect(await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok", "the feed still follows the service")

            try await w.stop()
            let state = try JSONDecoder().decode(PersistedState.self, from: try #require(FileManager.default.contents(atPath: w.dir + "/state.json")))
            let seen = try #require(state.sources["work"]?.seen)
            #expect(Set(seen.keys) == Set(ids), "every item recorded, once")
            #expect(state.outbox.isEmpty)
            // Seen records come in order even though the clock went back a year: eviction keeps the newest.
            let stamps = ids.map { seen[$0]!.firstSeen }
            #expect(stamps == stamps.sorted(), "firstSeen never goes back: \(stamps)")
            #expect(!log.all.contains { $0.hasPrefix("error") }, "\(log.all.filter { $0.hasPrefix("error") })")
        }
    }

    /// A mark-read that failed is retried on the monotonic clock: a wall clock jump back by half an
    /// hour (under the outbox's largest delay, so no "obviously jumped" rule can spot it) or by a year
    /// does not put it off, and it lands once the service is back.
    @Test func aPendingMarkReadIsNotStalledByTheClockJumpingBack() async throws {
        try await withWorld { w in
            let clock = JumpingClock()
            try await w.start(w.configText(), log: LogCapture(), now: clock.now)
            try await w.waitUntilPolled()
            for (n, back) in [30 * 60.0, JumpingClock.year].enumerated() {
                let id = try #require(try await w.addItems(#"[{"title":"read me \#(n)"}]"#).first?["id"]?.string)
                let popup = try #require(try await w.server!.waitForNotifyCalls(n + 1).last)
                let path = "\(AgentFaultTests.list)/\(id)/read"
                try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":503,"times":1000,"path":"\#(path)"}"#)
                try await w.server!.emitActionInvoked(id: popup.returnedID, key: "mark-read")
                try await w.eventually("the first attempt failed") {
                    await w.agent.persisted.outbox.first?.attempts == 1
                }
                clock.set(offsetBy: -back)
                try await w.admin("DELETE", "/_emulator/faults")
                // The first retry comes 2–4 s after the failure (with jitter).
                try await w.eventually("landed after the jump back", timeout: .seconds(15)) {
                    let items = try await w.admin("GET", "/_emulator/items").array ?? []
                    return items.contains { $0["id"]?.string == id && $0["is_read"]?.bool == true }
                }
                try await w.eventually("the outbox is empty") { await w.agent.persisted.outbox.isEmpty }
                #expect(try await w.calls(to: path, method: "POST").count == 2, "one failure, one retry")
                clock.set(offsetBy: 0)
            }
        }
    }

    /// `pause` for a while and the burst window are timers: a year's jump back neither stretches a
    /// two-second pause to a year nor keeps the burst window full for a year.
    @Test func pauseAndTheBurstWindowRunOnTheMonotonicClock() async throws {
        try await withWorld { w in
            let clock = JumpingClock()
            try await w.start(w.configText(desktop: "burst_limit = 1\nburst_window = \"1s\""), log: LogCapture(), now: clock.now)
            try await w.waitUntilPolled()
            _ = try await w.addItems(#"[{"title":"takes the only slot"}]"#)
            _ = try await w.server!.waitForNotifyCalls(1)
            let slotTaken = ContinuousClock.now
            await w.agent.pause(for: .seconds(2))
            #expect(await w.agent.statusJSON()["paused"] == .bool(true))

            clock.set(offsetBy: -JumpingClock.year)
            let until = try #require(await w.agent.statusJSON()["paused_until"]?.string.flatMap(Timestamp.parse))
            #expect(abs(until - clock.now()) < 60, "shown on the (jumped) wall clock: \(Timestamp.format(until))")
            try await w.eventually("the pause ended after its two seconds", timeout: .seconds(10)) {
                await w.agent.statusJSON()["paused"] == .bool(false)
            }

            // The window (1 s of monotonic time) is over by now; a new item gets its own popup, not a summary.
            #expect(ContinuousClock.now - slotTaken > .seconds(1))
            _ = try await w.addItems(#"[{"title":"after the window"}]"#)
            let calls = try await w.server!.waitForNotifyCalls(2, timeout: .seconds(10))
            #expect(calls.map(\.summary) == ["takes the only slot", "after the window"])
        }
    }
}
