@testable import BelfryAgent
import BelfryCore
import BelfryEmulatorKit
import BelfryTestSupport
import Foundation
import Testing

/// Live feeds over SSE (visual-layer) with polling as catch-up and fallback, against the emulator.
@Suite(.serialized) struct StreamAgentTests {
    /// Polling is set to minutes: anything that appears quickly came over the stream.
    static let slowPoll = """
        [source.profile.stream]
        keepalive = "300ms"
        """

    func streaming(_ w: AgentWorld) async throws {
        try await w.eventually("the stream is up") {
            let transport = await w.agent.statusJSON()["sources"]?[path: "0.transport"]?.string
            let open = try await w.admin("GET", "/_emulator/streams")["open"]?.int ?? 0
            return transport == "stream" && open == 1
        }
    }

    static let options = EmulatorOptions(ssePingInterval: .milliseconds(200))

    @Test func anItemArrivesOverTheStreamWithPollingSetToMinutes() async throws {
        try await withWorld(preset: .visualLayer, options: Self.options) { w in
            // The preset's own 3 s keep-alive: no reconnect (and catch-up poll) under a loaded machine.
            try await w.start(w.configText(poll: "10m"))
            try await streaming(w)
            let listsBefore = try await w.calls().filter { $0["path"]?.string == "/api/v1/notifications" }.count
            _ = try await w.addItems(#"[{"metadata":{"view_name":"Streamed","dataset_name":"D","result_count":1}}]"#)
            let call = try #require(try await w.server!.waitForNotifyCalls(1, timeout: .seconds(5)).first)
            #expect(call.summary == "New results in Streamed")
            let listsAfter = try await w.calls().filter { $0["path"]?.string == "/api/v1/notifications" }.count
            #expect(listsAfter == listsBefore, "no poll delivered it")
            #expect(await w.agent.persisted.sources["work"]?.lastEventID != nil)
        }
    }

    @Test func aDroppedStreamAndAnItemAddedInTheGapAppearExactlyOnce() async throws {
        try await withWorld(preset: .visualLayer, options: Self.options) { w in
            try await w.start(w.configText(source: Self.slowPoll, poll: "10m"))
            try await streaming(w)
            // Drop the stream and keep the next reconnect from succeeding at once, then add an item
            // while no stream is open: only the catch-up (or Last-Event-ID replay) can deliver it.
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":503,"times":1,"path":"/api/v1/notifications/stream"}"#)
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"drop_stream"}"#)
            _ = try await w.addItems(#"[{"metadata":{"view_name":"Gap","dataset_name":"D","result_count":2}}]"#)
            let calls = try await w.server!.waitForNotifyCalls(1, timeout: .seconds(15))
            #expect(calls[0].summary == "New results in Gap")
            try await streaming(w)
            _ = try await w.addItems(#"[{"metadata":{"view_name":"After","dataset_name":"D","result_count":3}}]"#)
            _ = try await w.server!.waitForNotifyCalls(2, timeout: .seconds(5))
            try await Task.sleep(for: .seconds(1))
            let summaries = w.server!.notifyCalls.map(\.summary)
            #expect(summaries == ["New results in Gap", "New results in After"])
            let streamRequests = try await w.calls().filter { $0["path"]?.string == "/api/v1/notifications/stream" }
            #expect(streamRequests.count >= 2)
        }
    }

    @Test func aStalledStreamIsDetectedAndReplaced() async throws {
        try await withWorld(preset: .visualLayer, options: Self.options) { w in
            try await w.start(w.configText(source: Self.slowPoll, poll: "10m"))
            try await streaming(w)
            let before = try await w.calls().filter { $0["path"]?.string == "/api/v1/notifications/stream" }.count
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"stall_stream"}"#)
            try await w.eventually("a new stream replaced the silent one", timeout: .seconds(20)) {
                try await w.calls().filter { $0["path"]?.string == "/api/v1/notifications/stream" }.count > before
            }
            try await streaming(w)
            _ = try await w.addItems(#"[{"metadata":{"view_name":"Fresh","dataset_name":"D","result_count":1}}]"#)
            let calls = try await w.server!.waitForNotifyCalls(1, timeout: .seconds(5))
            #expect(calls.map(\.summary) == ["New results in Fresh"])
        }
    }

    @Test func aServerWithoutAStreamFallsBackToPolling() async throws {
        // jaot has no stream; a profile that claims one at a path the server does not serve.
        try await withWorld(preset: .jaot) { w in
            try await w.start(w.configText(source: """
                [source.profile.stream]
                path = "/api/v2/notifications/stream"
                keepalive = "1s"
                """))
            try await w.eventually("polling carries the source") {
                await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok"
            }
            _ = try await w.addItems(#"[{"title":"Polled anyway"}]"#)
            let calls = try await w.server!.waitForNotifyCalls(1, timeout: .seconds(5))
            #expect(calls[0].summary == "Polled anyway")
            #expect(await w.agent.statusJSON()["sources"]?[path: "0.transport"]?.string == "poll")
        }
    }

    @Test func transportPollNeverOpensTheStream() async throws {
        try await withWorld(preset: .visualLayer, options: Self.options) { w in
            try await w.start(w.configText(source: "transport = \"poll\""))
            _ = try await w.addItems(#"[{"metadata":{"view_name":"P","dataset_name":"D","result_count":1}}]"#)
            _ = try await w.server!.waitForNotifyCalls(1, timeout: .seconds(5))
            #expect(try await w.calls().allSatisfy { $0["path"]?.string != "/api/v1/notifications/stream" })
        }
    }

    @Test func aResumeFromSuspendReconnectsAndCatchesUpAtOnce() async throws {
        try await withWorld(preset: .visualLayer, options: Self.options) { w in
            try await w.start(w.configText(source: Self.slowPoll, poll: "10m"))
            try await streaming(w)
            let streams = try await w.calls().filter { $0["path"]?.string == "/api/v1/notifications/stream" }.count
            let lists = try await w.calls().filter { $0["path"]?.string == "/api/v1/notifications" }.count
            await w.agent.resumedFromSleep()
            try await w.eventually("reconnected and caught up", timeout: .seconds(5)) {
                let calls = try await w.calls()
                return calls.filter { $0["path"]?.string == "/api/v1/notifications/stream" }.count > streams
                    && calls.filter { $0["path"]?.string == "/api/v1/notifications" }.count > lists
            }
        }
    }

    @Test func aSuspendIsSeenBetweenTheClocks() {
        #expect(SleepWatcher.wasSuspended(continuous: .seconds(3600), suspending: .seconds(60)))
        #expect(!SleepWatcher.wasSuspended(continuous: .seconds(61), suspending: .seconds(60)))
    }
}
