@testable import BelfryAgent
import BelfryCore
import BelfryEmulatorKit
import BelfryTestSupport
import Foundation
import Testing

/// Issue 15 points 3 and 4 with the real agent against the emulator: conditional polling (304),
/// `X-Poll-Interval`, and rate limits that are not refused tokens.
@Suite(.serialized) struct PolitePollingTests {
    static let list = "/api/v2/notifications"

    func listCalls(_ w: AgentWorld) async throws -> [JSONValue] {
        try await w.calls().filter { $0["path"]?.string == Self.list }
    }

    func notModified(_ w: AgentWorld) async throws -> Int {
        try await w.admin("GET", "/_emulator/http")["not_modified"]?.int ?? 0
    }

    func mtime(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    @Test func anUnchangedListingAnswers304AndTheAgentWritesNothingAndClosesNothing() async throws {
        try await withWorld { w in
            try await w.admin("POST", "/_emulator/http", #"{"conditional": true}"#)
            try await w.start(w.configText())
            _ = try await w.addItems(#"[{"title":"Stays open"}]"#)
            let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
            // The first 304s: the listing after the popup was recorded went out conditionally.
            try await w.eventually("two 304s", timeout: .seconds(15)) { try await notModified(w) >= 2 }
            let statePath = w.dir + "/state.json"
            let before = try Data(contentsOf: URL(fileURLWithPath: statePath))
            let stamp = mtime(statePath)
            let seen = try await notModified(w)
            try await w.eventually("two more 304s", timeout: .seconds(15)) { try await notModified(w) >= seen + 2 }
            #expect(mtime(statePath) == stamp, "a 304 writes no state")
            #expect(try Data(contentsOf: URL(fileURLWithPath: statePath)) == before)
            #expect(!w.server!.closeCalls.contains(popup.returnedID), "a 304 concludes nothing read elsewhere")
            #expect(await w.agent.countJSON()["total"] == 1)
            #expect(await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok")
            // The validators are in the state, compactly.
            #expect(String(decoding: before, as: UTF8.self).contains(#""cond":{"#))
            // A change is seen at once (the ETag moves): the next listing is a 200 with the new item.
            _ = try await w.addItems(#"[{"title":"After the 304s"}]"#)
            let calls = try await w.server!.waitForNotifyCalls(2, timeout: .seconds(10))
            #expect(calls[1].summary.contains("After the 304s") || calls[1].body.contains("After the 304s"))
        }
    }

    @Test func xPollIntervalIsAFloorUnderPollInterval() async throws {
        try await withWorld { w in
            try await w.admin("POST", "/_emulator/http", #"{"poll_interval": 2}"#)
            try await w.start(w.configText(poll: "1s"))
            try await w.eventually("three listings", timeout: .seconds(20)) { try await listCalls(w).count >= 3 }
            let times = try await listCalls(w).compactMap { $0["at"]?.string.flatMap(Timestamp.parse) }
            #expect(times.count >= 3)
            for (a, b) in zip(times, times.dropFirst()) {
                #expect(b - a >= 1.9, "listings \(b - a) s apart, under the service's 2 s floor")
            }
            #expect(await w.agent.statusJSON()["sources"]?[path: "0.poll_interval_floor"]?.int == 2)
        }
    }

    @Test func aRateLimited403IsNoTokenErrorAndPollingResumesAfterTheReset() async throws {
        try await withWorld { w in
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"rate_limit","status":403,"reset_in":4,"path":"\#(Self.list)","times":1}"#)
            try await w.start(w.configText())
            try await w.eventually("rate-limited in status") {
                await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "rate-limited"
            }
            let status = await w.agent.statusJSON()["sources"]?[path: "0"]
            let error = status?["last_error"]?.string ?? ""
            #expect(error.hasPrefix("rate-limited until "), "\(error)")
            #expect(error.contains("rate limit"))
            #expect(status?["rate_limited_until"]?.string != nil)
            // Polling resumes after the reset the service named (the fault answered the first listing).
            try await w.eventually("a listing after the reset", timeout: .seconds(15)) { try await listCalls(w).count >= 2 }
            let calls = try await listCalls(w)
            #expect(calls[0]["fault"]?.string == "rate_limit")
            let first = try #require(calls[0]["at"]?.string.flatMap(Timestamp.parse))
            let second = try #require(calls[1]["at"]?.string.flatMap(Timestamp.parse))
            // The reset is 3-4 s away (whole epoch seconds); the backoff alone would be 1-2 s.
            #expect(second - first >= 2.9, "waited for x-ratelimit-reset")
            try await w.eventually("ok again") { await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
            #expect(!w.server!.notifyCalls.contains { $0.summary.contains("refused its token") }, "no token popup")
        }
    }

    @Test func a403WithoutRateLimitSignsStaysAnAuthFailure() async throws {
        try await withWorld { w in
            try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":403,"path":"\#(Self.list)","times":1}"#)
            try await w.start(w.configText())
            let calls = try await w.server!.waitForNotifyCalls(1)
            #expect(calls[0].summary == "Belfry: work refused its token")
            #expect(await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "auth-failed")
        }
    }
}
