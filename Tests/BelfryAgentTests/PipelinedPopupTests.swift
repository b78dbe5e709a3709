import BelfryAgent
import BelfryCore
import BelfryTestSupport
import Logging
import Synchronization
import Testing

/// The agent sends popups without waiting for each id (pipelining), keeps at most 64 in flight, and
/// still knows every popup's id before it acts on a signal about it.
@Suite struct PipelinedPopupTests {
    /// A sink whose answers to Notify are held until the test opens the gate.
    final class GatedSink: DesktopSink {
        private struct State {
            var sent: [DesktopNotification] = []
            var open = false
            var waiters: [CheckedContinuation<Void, Never>] = []
        }
        private let state = Mutex(State())
        let events: AsyncStream<DesktopEvent> = AsyncStream { _ in }

        var sent: [DesktopNotification] { state.withLock { $0.sent } }

        func openGate() {
            let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.open = true
                defer { s.waiters.removeAll() }
                return s.waiters
            }
            for w in waiters { w.resume() }
        }

        private func waitForGate() async {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.open { return true }
                    s.waiters.append(c)
                    return false
                }
                if now { c.resume() }
            }
        }

        func serverInfo() async throws -> NotificationServerInfo {
            NotificationServerInfo(name: "gated", vendor: "tests", version: "1", specVersion: "1.2", capabilities: ["actions", "body"])
        }

        func notify(_ n: DesktopNotification) async throws -> UInt32 { try await submit(n).id() }

        func submit(_ n: DesktopNotification) async throws -> PendingPopup {
            let id = state.withLock { s -> UInt32 in
                s.sent.append(n)
                return UInt32(s.sent.count)
            }
            return PendingPopup { [self] in
                await waitForGate()
                return id
            }
        }

        func close(id: UInt32) async throws {}
    }

    func makeAgent(clock: DesktopPolicyTests.TestNow = .init(1_800_000_000)) throws -> (Agent, GatedSink) {
        let config = try ConfigLoader.parse(DesktopPolicyTests.source("work", "") + "\n[desktop]\nburst_limit = 1000\n", file: "test.toml")
        let sink = GatedSink()
        var logger = Logger(label: "belfry-test")
        logger.logLevel = .critical
        let agent = Agent(config: config, sink: sink, transport: DesktopPolicyTests.NoTransport(), stateFile: nil,
                          state: PersistedState(), environment: [:], logger: logger, now: { clock.now }, monotonic: { clock.now })
        return (agent, sink)
    }

    func item(_ id: String) -> Item {
        Item(source: "work", id: id, title: "item \(id)", body: "", link: "https://app.example.com/\(id)",
             createdAt: 1_800_000_000, urgency: .normal)
    }

    @Test func popupsLeaveInOrderWithoutWaitingForTheirIds() async throws {
        let (agent, sink) = try makeAgent()
        await agent.ingest([], source: "work", complete: true)
        // No answer comes back while the gate is shut; ingest returns all the same (an agent that
        // awaited each id would send one popup and stall here until the gate opens).
        let feeding = Task { for n in 1...10 { await agent.ingest([item("i\(n)")], source: "work", complete: false) } }
        // A safety net, not a speed target: the whole suite starting at once on two loaded cores
        // held this agent back for more than 5 s.
        let all = await Eventually.value(timeout: .seconds(30)) { sink.sent.count == 10 ? true : nil }
        #expect(all == true, "sent \(sink.sent.count) of 10 before any answer")
        #expect(sink.sent.map(\.summary) == (1...10).map { "item i\($0)" })
        sink.openGate()
        await feeding.value
    }

    @Test func atMost64AreInFlight() async throws {
        let (agent, sink) = try makeAgent()
        await agent.ingest([], source: "work", complete: true)
        let feeding = Task { for n in 1...100 { await agent.ingest([item("i\(n)")], source: "work", complete: false) } }
        let stalled = await Eventually.value(timeout: .seconds(30)) { sink.sent.count == 64 ? true : nil }
        #expect(stalled == true)
        try await Task.sleep(for: .milliseconds(50))
        #expect(sink.sent.count == 64, "the 65th waits for the oldest answer")
        sink.openGate()
        await feeding.value
        #expect(sink.sent.count == 100)
    }

    @Test func anActionRightAfterThePopupFindsIt() async throws {
        let (agent, sink) = try makeAgent()
        await agent.ingest([], source: "work", complete: true)
        await agent.ingest([item("a")], source: "work", complete: false)
        // The server answered (id 1) and the user clicked "Mark read" before the agent recorded the
        // answer: the signal waits for it instead of being dropped as "not our popup".
        let handled = Task { await agent.handle(.actionInvoked(id: 1, key: "mark-read")) }
        try await Task.sleep(for: .milliseconds(50))  // let the signal reach the agent first
        sink.openGate()
        await handled.value
        #expect(await agent.persisted.sources["work"]?.seen["a"]?.read == true)
        #expect(await agent.countJSON()["total"] == 0)
    }

    @Test func popupsAreForgottenOldestFirstPastTheLimit() async throws {
        let clock = DesktopPolicyTests.TestNow(1_800_000_000)
        let (agent, sink) = try makeAgent(clock: clock)
        sink.openGate()
        await agent.ingest([], source: "work", complete: true)
        for n in 1...2_100 {
            if n % 1000 == 0 { clock.advance(11) }  // past the burst window: every item pops on its own
            await agent.ingest([item("i\(n)")], source: "work", complete: false)
        }
        // The newest popup still answers its action; the very first one has been forgotten.
        await agent.handle(.actionInvoked(id: 2_100, key: "mark-read"))
        await agent.handle(.actionInvoked(id: 1, key: "mark-read"))
        #expect(await agent.persisted.sources["work"]?.seen["i2100"]?.read == true)
        let first = await agent.persisted.sources["work"]?.seen["i1"]
        #expect(first != nil && first?.read == false, "a forgotten popup's click is ignored: \(String(describing: first))")
        #expect(sink.sent.count == 2_100)
    }
}
