@testable import BelfryAgent
import BelfryCore
import BelfryEmulatorKit
import BelfryTestSupport
import Foundation
import Logging
import Testing

/// A stream that drops and backs off before reconnecting: the feed polls at once, then every
/// poll_interval, while the stream is down, so items still arrive. The feed runs on a manual clock
/// (the SSE reconnect wait, the polls beside it): the test moves time and waits for the emulator's
/// call log, never for real time.
@Suite(.serialized) struct StreamFlappingTests {
    static let options = EmulatorOptions(ssePingInterval: .milliseconds(200))
    static let interval = Duration.seconds(5)

    struct Running {
        let agent: Agent
        let clock: ManualClock
        let task: Task<Void, Never>
    }

    /// An agent and a stream feed for the emulator's visual-layer source, on a manual clock; the
    /// stream's reconnect always waits at least a minute, so it stays down while the test polls.
    func startFeed(_ w: AgentWorld, transport: String) throws -> Running {
        let config = try ConfigLoader.parse(w.configText(source: "transport = \"\(transport)\"", poll: "5s"), file: "test.toml")
        var logger = Logger(label: "belfry-test")
        logger.logLevel = .critical
        let agent = Agent(config: config, sink: DesktopPolicyTests.RecordingSink(), transport: w.http, stateFile: nil,
                          state: PersistedState(), environment: [:], logger: logger)
        let source = try #require(config.sources.first)
        let clock = ManualClock()
        var feed = StreamFeed(source: source, stream: try #require(source.profile.stream), agent: agent,
                              environment: [:], clock: clock)
        feed.backoff = Backoff.Policy(initial: .seconds(60), maximum: .seconds(180), floor: .seconds(60))
        return Running(agent: agent, clock: clock, task: Task { await feed.loop() })
    }

    func lists(_ w: AgentWorld) async throws -> Int {
        try await w.calls().filter { $0["path"]?.string == "/api/v1/notifications" }.count
    }

    func streams(_ w: AgentWorld) async throws -> Int {
        try await w.calls().filter { $0["path"]?.string == "/api/v1/notifications/stream" }.count
    }

    /// Waits until the poll beside the stream sleeps on the clock for a whole poll_interval.
    func pollerAsleep(_ clock: ManualClock, _ w: AgentWorld) async throws {
        try await w.eventually("the poller waits for the next poll_interval") {
            clock.pendingSleeps.contains(Self.interval)
        }
    }

    func item(_ w: AgentWorld, _ name: String) async throws -> String {
        let added = try await w.addItems(#"[{"metadata":{"view_name":"\#(name)","dataset_name":"D","result_count":1}}]"#)
        return try #require(added.first?["id"]?.string)
    }

    @Test(arguments: ["stream", "auto"])
    func aDroppedStreamThatBacksOffIsPolledAtThePollInterval(transport: String) async throws {
        try await withWorld(preset: .visualLayer, server: false, options: Self.options) { w in
            let run = try startFeed(w, transport: transport)
            defer { run.task.cancel() }
            try await w.eventually("the stream is up and caught up") {
                let open = try await w.admin("GET", "/_emulator/streams")["open"]?.int ?? 0
                let listed = try await lists(w)
                return open == 1 && listed >= 1
            }
            try await pollerAsleep(run.clock, w)
            let before = try await lists(w)

            // The stream drops; its reconnect is a minute away on the manual clock.
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"drop_stream"}"#)
            try await w.eventually("a listing at once, not when the reconnect comes") { try await lists(w) == before + 1 }

            // While it backs off: a listing every poll_interval, and what was added meanwhile arrives.
            for n in 1...3 {
                let id = try await item(w, "Gap \(n)")
                try await pollerAsleep(run.clock, w)
                run.clock.advance(by: Self.interval)
                try await w.eventually("listing \(n) after the drop, with the new item") {
                    let listed = try await lists(w)
                    let unread = await run.agent.unreadItems()
                    return listed == before + 1 + n && unread.contains { $0.id == id }
                }
            }
            #expect(try await streams(w) == 1, "the stream is still waiting for its reconnect")
            #expect(run.clock.pendingSleeps.contains { $0 >= .seconds(60) - Self.interval * 3 }, "its backoff is pending")
        }
    }

    @Test func whileTheStreamIsDownAListingsRetryAfterIsWaitedOut() async throws {
        try await withWorld(preset: .visualLayer, server: false, options: Self.options) { w in
            let run = try startFeed(w, transport: "stream")
            defer { run.task.cancel() }
            try await w.eventually("the stream is up") {
                (try await w.admin("GET", "/_emulator/streams")["open"]?.int ?? 0) == 1
            }
            try await pollerAsleep(run.clock, w)
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":429,"retry_after":"30","times":1,"path":"/api/v1/notifications","method":"GET"}"#)
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"drop_stream"}"#)
            // The listing at the drop is refused with Retry-After: 30; the poller then waits 30 s
            // (plus at most 1 s), not its 5 s interval.
            try await w.eventually("the poller waits out the Retry-After") {
                run.clock.pendingSleeps.contains { $0 >= .seconds(30) && $0 <= .seconds(31) }
            }
            #expect(!run.clock.pendingSleeps.contains(Self.interval))
        }
    }
}
