@testable import BelfryAgent
import BelfryCore
import BelfryEmulatorKit
import BelfryTestSupport
import Foundation
import Logging
import Testing

/// What one poll decides about the next, against the emulator: `pollOnce` returns the wait, so no
/// test here waits for it.
@Suite(.serialized) struct PollFeedTests {
    func feed(_ w: AgentWorld) throws -> PollFeed<ContinuousClock> {
        let config = try ConfigLoader.parse(w.configText(poll: "1s"), file: "test.toml")
        var logger = Logger(label: "belfry-test")
        logger.logLevel = .critical
        let agent = Agent(config: config, sink: DesktopPolicyTests.RecordingSink(), transport: w.http, stateFile: nil,
                          state: PersistedState(), environment: [:], logger: logger)
        return PollFeed(name: "work", interval: .seconds(1), agent: agent, environment: [:], clock: ContinuousClock())
    }

    @Test func aRetryAfterAfterSeveral5xxIsWaitedOutNotStackedOnTheBackoff() async throws {
        try await withWorld(preset: .jaot, server: false) { w in
            let poll = try feed(w)
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":503,"times":3}"#)
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":429,"retry_after":"2","times":1}"#)
            var failures = 0
            var delays: [Duration] = []
            for _ in 0..<4 { delays.append(await poll.pollOnce(failures: &failures)) }
            #expect(failures == 4)
            #expect(delays[2] >= .seconds(4), "three 5xx grew the backoff (4 to 8 s)")
            #expect(delays[3] >= .seconds(2) && delays[3] <= .milliseconds(2200),
                    "the service's 2 s plus a little jitter, not the backoff's 8 to 16 s: \(delays[3])")
            #expect(await poll.pollOnce(failures: &failures) == .seconds(1), "then the poll interval again")
            #expect(failures == 0)
        }
    }
}
