import BelfryAgent
import BelfryCore
import BelfryDBus
import BelfryTestSupport
import Logging
import Synchronization
import Testing

/// A flood folds thousands of items into one summary popup. Intake (dedup, state, count) must not
/// wait for the notification server, and the summary is updated at most every 250 ms with at most
/// one update in flight: a stalled server, a real private bus, and the agent's timer on a clock
/// the test moves.
@Suite(.serialized) struct SummaryFloodTests {
    func item(_ n: Int) -> Item {
        Item(source: "work", id: "flood-\(n)", title: "flood \(n)", body: "", link: "https://app.example.com/\(n)",
             createdAt: 1_800_000_000, urgency: .normal)
    }

    /// An agent on `sink` whose monotonic clock and timer are `clock` (the wall clock stands still).
    func makeAgent(_ desktop: String = "", sink: some DesktopSink, clock: ManualClock) throws -> Agent {
        let config = try ConfigLoader.parse(desktop + DesktopPolicyTests.source("work"), file: "test.toml")
        var logger = Logger(label: "belfry-test")
        logger.logLevel = .critical
        return Agent(config: config, sink: sink, transport: DesktopPolicyTests.NoTransport(), stateFile: nil,
                     state: PersistedState(), environment: [:], logger: logger,
                     now: { 1_800_000_000 }, monotonic: { clock.seconds }, sleep: { await clock.sleep(until: $0) })
    }

    func isSummary(_ call: FakeNotificationServer.NotifyCall) -> Bool { call.summary.hasSuffix(" new from work") }

    @Test func aFloodAgainstAStalledServerIsCountedAtOnceAndItsSummaryUpdatedBoundedly() async throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address, callTimeout: .seconds(60))
        let clock = ManualClock()
        let agent = try makeAgent(sink: sink, clock: clock)  // burst_limit 5 per 10 s
        await agent.refreshServer()
        await agent.ingest([], source: "work", complete: true)  // the first listing: what follows is new, not backlog

        // The server stops answering: each Notify waits until released.
        server.holdReplies()
        let total = 5_000
        let fed = Task {
            for n in 1...total { await agent.ingest([item(n)], source: "work", complete: false) }
            return await agent.countJSON()["total"]
        }
        // Bounded: an agent that awaited the summary's Notify would still be at item 6.
        let counted = await Eventually.holds(timeout: .seconds(30)) { await agent.countJSON()["total"] == .number(Double(total)) }
        if !counted { server.releaseReplies() }  // so the feeding task can end
        let seen = await agent.countJSON()["total"]
        try #require(counted, "intake went on while the server held its answers (counted \(String(describing: seen)))")
        #expect(await fed.value == .number(Double(total)), "the count is exact when ingest returns")

        // Answers flow again. Five items popped on their own (burst_limit 5), then the sixth started
        // the summary; every later one waited for that update's answer and the 250 ms interval,
        // which has not passed on the test's clock: one armed timer, nothing else sent.
        server.releaseReplies()
        let armed = await Eventually.holds(timeout: .seconds(15)) { clock.sleepers == 1 }
        #expect(armed, "the trailing update waits for the clock")
        let first = server.notifyCalls
        #expect(first.count == 6, "\(first.map(\.summary))")
        #expect(first.filter(isSummary).map(\.summary) == ["1 new from work"])

        // 250 ms later the trailing update carries everything folded meanwhile, in the same popup.
        clock.advance(by: 0.25)
        let calls = try await server.waitForNotifyCalls(7, timeout: .seconds(15))
        let summaries = calls.filter(isSummary)
        #expect(summaries.map(\.summary) == ["1 new from work", "4,995 new from work"], "every item but the first five")
        #expect(summaries.last?.replacesID == summaries.first?.returnedID)
        // Its answer landed and nothing waits: no timer, no further update.
        let settled = await Eventually.holds(timeout: .seconds(15)) { await agent.summaryUpdatePending == false }
        #expect(settled)
        #expect(clock.sleepers == 0)
        #expect(server.notifyCalls.count == 7)

        await sink.shutdown()
        await server.stop()
    }

    @Test func aSteadyTrickleUpdatesTheSummaryAtMostEveryInterval() async throws {
        let clock = ManualClock()
        let sink = DesktopPolicyTests.RecordingSink()
        let agent = try makeAgent("[desktop]\nburst_limit = 1\n", sink: sink, clock: clock)  // burst_limit 1
        await agent.ingest([], source: "work", complete: true)
        // 100 items, one every 10 ms for a second: one popup, then the summary at most every 250 ms.
        for n in 1...100 {
            await agent.ingest([item(n)], source: "work", complete: false)
            clock.advance(by: 0.01)
        }
        clock.advance(by: 0.25)  // the last items' trailing update
        let settled = await Eventually.holds(timeout: .seconds(15)) { await agent.summaryUpdatePending == false }
        #expect(settled)
        let summaries = sink.popups.map(\.summary).filter { $0.hasSuffix(" new from work") }
        #expect(sink.popups.first?.summary == "flood 1")
        // The first at 0.01 s, then at most one per 250 ms up to 1.25 s: 0.26, 0.51, 0.76, 1.01.
        #expect(summaries.count <= 5, "\(summaries)")
        #expect(summaries.last == "99 new from work")
    }

    /// A desktop with no notification server until `appear()`; then it records popups and answers at once.
    final class LateServerSink: DesktopSink {
        private let state = Mutex((present: false, shown: [DesktopNotification](), probes: 0))
        let events: AsyncStream<DesktopEvent> = AsyncStream { _ in }
        var popups: [DesktopNotification] { state.withLock { $0.shown } }
        func appear() { state.withLock { $0.present = true } }
        /// `serverInfo` calls so far: each is a bus round trip on a real desktop.
        var probes: Int { state.withLock { $0.probes } }

        func serverInfo() async throws -> NotificationServerInfo {
            guard state.withLock({ $0.probes += 1; return $0.present }) else { throw DesktopError(.noServer, "no server yet") }
            return NotificationServerInfo(name: "late", vendor: "tests", version: "1", specVersion: "1.2", capabilities: ["body"])
        }

        func notify(_ n: DesktopNotification) async throws -> UInt32 {
            try state.withLock { s in
                guard s.present else { throw DesktopError(.noServer, "no server yet") }
                s.shown.append(n)
                return n.replacesID != 0 ? n.replacesID : UInt32(s.shown.count)
            }
        }

        func close(id: UInt32) async throws {}
    }

    /// With no server, a flood waits as its first few popups plus one summary, not one entry per
    /// folded item (those filled the 500-entry queue and came back as one Notify each), and asks the
    /// bus for a server at most once per interval, not once per item.
    @Test func aFloodWithNoServerWaitsAsOneSummary() async throws {
        let clock = ManualClock()
        let sink = LateServerSink()
        let agent = try makeAgent(sink: sink, clock: clock)  // burst_limit 5 per 10 s
        await agent.ingest([], source: "work", complete: true)
        for n in 1...1_000 { await agent.ingest([item(n)], source: "work", complete: false) }
        #expect(await agent.countJSON()["total"] == 1_000)
        #expect(await agent.statusJSON()["waiting_popups"] == 6, "five items and one summary wait")
        // The five items' popups asked for a server each, the summary once for its interval (the
        // clock has not moved), not once per folded item.
        #expect(sink.probes == 6, "\(sink.probes) serverInfo calls")
        clock.advance(by: 0.25)  // the folds since join the waiting summary
        let joined = await Eventually.holds(timeout: .seconds(15)) { await agent.summaryUpdatePending == false }
        #expect(joined)
        #expect(await agent.statusJSON()["waiting_popups"] == 6)

        sink.appear()
        await agent.handle(.serverAppeared)
        clock.advance(by: 0.25)
        let shown = await Eventually.holds(timeout: .seconds(15)) { await agent.summaryUpdatePending == false && sink.popups.count == 6 }
        #expect(shown)
        // The items at once; the summary when the clock allows its next update.
        #expect(sink.popups.map(\.summary) == (1...5).map { "flood \($0)" } + ["995 new from work"])
    }
}
