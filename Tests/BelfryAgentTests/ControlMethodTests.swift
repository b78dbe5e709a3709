import BelfryAgent
import BelfryControl
import BelfryCore
import BelfryTestSupport
import Foundation
import Synchronization
import Testing

/// Every control method (docs/control.md) through the real socket against a real agent: the
/// emulator over loopback HTTP, a fake notification server on a private bus.
@Suite(.serialized) struct ControlMethodTests {
    @Test func statusNamesSourcesHealthServerAndPausedState() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.firstPoll()
            // The agent asks the server who it is concurrently with the first poll.
            try await w.eventually("the notification server is known") { try await w.control("status")["notification_server"] != .null }
            let s = try await w.control("status")
            let src = try #require(s["sources"]?.array?.first)
            #expect(s["sources"]?.array?.count == 1)
            #expect(src["name"] == "work")
            #expect(src["preset"] == "jaot")
            #expect(src["enabled"] == true)
            #expect(src["transport"] == "poll")
            #expect(src["state"] == "ok")
            #expect(src["unread"] == 0)
            #expect(src["last_error"] == .null)
            let last = try #require(src["last_success"]?.string)
            #expect(Timestamp.parse(last) != nil, "last_success is an RFC 3339 time: \(last)")
            #expect(s["paused"] == false)
            #expect(s["paused_until"] == .null)
            #expect(s["quiet_hours"] == false)
            #expect(s["pending_actions"] == 0)
            #expect(s["waiting_popups"] == 0)
            let server = try #require(s["notification_server"]?.object)
            #expect(server["name"] == "fake")
            #expect(server["vendor"] == "belfry-tests")
            #expect(server["version"] == "1.0")
            #expect(server["capabilities"] == .array(FakeNotificationServer.defaultCapabilities.sorted().map { .string($0) }))
        }
    }

    @Test func statusWhenPausedIndefinitelyAndForADuration() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            _ = try await w.control("pause")
            let forever = try await w.control("status")
            #expect(forever["paused"] == true)
            #expect(forever["paused_until"] == .null, "an indefinite pause has no end time")
            _ = try await w.control("pause", ["duration": "30m"])
            let timed = try await w.control("status")
            #expect(timed["paused"] == true)
            let until = try #require(timed["paused_until"]?.string.flatMap(Timestamp.parse))
            #expect(abs(until - Date().timeIntervalSince1970 - 1800) < 60)
        }
    }

    @Test func countTotalPerSourceAndUnknownSource() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.firstPoll()
            #expect(try await w.control("count") == ["total": 0, "sources": ["work": 0]])
            _ = try await w.addItems(#"[{"title":"a"},{"title":"b"}]"#)
            try await w.eventually("two unread") { await w.agent.countJSON()["total"] == 2 }
            #expect(try await w.control("count") == ["total": 2, "sources": ["work": 2]])
            #expect(try await w.control("count", ["source": "work"]) == ["total": 2, "sources": ["work": 2]])
            let e = try await w.controlError("count", ["source": "nope"])
            #expect(e.code == ControlError.Code.invalidParams)
            #expect(e.message.contains("nope") && e.message.contains("configured: work"), "\(e.message)")
            #expect(try await w.controlError("count", ["source": 3]).code == ControlError.Code.invalidParams)
        }
    }

    @Test func listIsNewestFirstAndFiltersBySource() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: "first_run = \"none\""))
            try await w.firstPoll()
            let now = Date().timeIntervalSince1970
            let older = try #require(try await w.addItems(#"[{"title":"older","link":"/o","created_at":"\#(Timestamp.format(now - 120))"}]"#).first?["id"]?.string)
            let newer = try #require(try await w.addItems(#"[{"title":"newer","created_at":"\#(Timestamp.format(now - 60))"}]"#).first?["id"]?.string)
            try await w.eventually("two unread") { await w.agent.countJSON()["total"] == 2 }
            let items = try #require(try await w.control("list")["items"]?.array)
            #expect(items.map { $0["key"]?.string } == ["work:\(newer)", "work:\(older)"])
            let o = try #require(items.last?.object)
            #expect(Set(o.keys) == ["key", "source", "id", "type", "title", "body", "unread", "urgency", "link", "created_at"])
            #expect(o["source"] == "work")
            #expect(o["id"] == .string(older))
            #expect(o["title"] == "older")
            #expect(o["unread"] == true)
            #expect(o["urgency"] == "normal")
            #expect(o["link"] == "https://app.example.com/o")
            #expect(o["created_at"] == .string(Timestamp.format(now - 120)))
            #expect(try await w.control("list", ["source": "work", "unread": true])["items"]?.array?.count == 2)
            #expect(try await w.controlError("list", ["source": "home"]).code == ControlError.Code.invalidParams)
        }
    }

    @Test func openRunsTheOpenerAndMarksReadOnTheService() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: "first_run = \"none\""))
            try await w.firstPoll()
            let id = try #require(try await w.addItems(#"[{"title":"Open me","link":"/executions/exe_9"}]"#).first?["id"]?.string)
            try await w.eventually("recorded") { await w.agent.countJSON()["total"] == 1 }
            #expect(try await w.control("open", ["key": .string("work:\(id)")]) == ["opened": .string("work:\(id)")])
            try await w.eventually("the opener ran") { !w.openerLog.isEmpty }
            #expect(w.openerLog == [" https://app.example.com/executions/exe_9"], "no activation token from the socket")
            try await w.eventually("read on the emulator") { try await w.isReadOnEmulator(id) }
            #expect(try await w.control("count")["total"] == 0)
            let again = try await w.controlError("open", ["key": .string("work:\(id)")])
            #expect(again.code == ControlError.Code.notFound)
            #expect(try await w.controlError("open", [:]).code == ControlError.Code.invalidParams)
        }
    }

    @Test func readKeysAndReadAllThroughTheMarkAllEndpoint() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: "first_run = \"none\""))
            try await w.firstPoll()
            let ids = try await w.addItems(#"[{"title":"a"},{"title":"b"},{"title":"c"}]"#).compactMap { $0["id"]?.string }
            try #require(ids.count == 3)
            try await w.eventually("three unread") { await w.agent.countJSON()["total"] == 3 }
            let one = try await w.control("read", ["keys": [.string("work:\(ids[0])"), "home:ntf_x"]])
            #expect(one == ["marked": 1, "keys": .array([.string("work:\(ids[0])")])], "a key of an unknown source is skipped")
            #expect(try await w.control("read", ["keys": [.string("work:\(ids[0])")]]) == ["marked": 0, "keys": []], "already read")
            try await w.eventually("the one read on the emulator") { try await w.isReadOnEmulator(ids[0]) }
            #expect(try await w.controlError("read", ["keys": ["no-colon"]]).code == ControlError.Code.invalidParams)
            #expect(try await w.controlError("read", [:]).code == ControlError.Code.invalidParams)
            #expect(try await w.controlError("read", ["all": true, "source": "home"]).code == ControlError.Code.invalidParams)

            #expect(try await w.control("read", ["all": true, "source": "work"]) == ["marked": 2])
            #expect(try await w.control("count")["total"] == 0)
            try await w.eventually("POST read-all reached the service") {
                try await w.calls().contains { $0["method"] == "POST" && $0["path"] == "/api/v2/notifications/read-all" }
            }
            try await w.eventually("all read on the emulator") {
                let items = try await w.admin("GET", "/_emulator/items").array ?? []
                return items.count == 3 && items.allSatisfy { $0["is_read"] == true }
            }
            let singles = try await w.calls().filter { $0["path"]?.string?.hasSuffix("/read") == true && $0["path"] != "/api/v2/notifications/read-all" }
            #expect(Set(singles.compactMap { $0["path"]?.string }) == ["/api/v2/notifications/\(ids[0])/read"],
                    "read --all uses the mark-all endpoint, not one call per item")
        }
    }

    @Test func pauseRecordsWithoutPopupsAndResumeShowsOneSummary() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await w.firstPoll()
            let paused = try await w.control("pause", ["duration": "1h"])
            #expect(paused["paused"] == true)
            #expect(try await w.controlError("pause", ["duration": "soon"]).code == ControlError.Code.invalidParams)
            _ = try await w.addItems(#"[{"title":"quiet one"},{"title":"quiet two"}]"#)
            try await w.eventually("recorded while paused") { await w.agent.countJSON()["total"] == 2 }
            try await Task.sleep(for: .milliseconds(1500))  // another poll: still nothing shown
            #expect(w.server!.notifyCalls.isEmpty, "no popup while paused")
            let resumed = try await w.control("resume")
            #expect(resumed["paused"] == false)
            #expect(resumed["total"] == 2)
            let calls = try await w.server!.waitForNotifyCalls(1)
            #expect(calls[0].summary == "2 new from work")
            try await Task.sleep(for: .milliseconds(1500))
            #expect(w.server!.notifyCalls.count == 1, "one summary, not the items one by one")
        }
    }

    @Test func syncPollsNowEvenWithALongInterval() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: "first_run = \"none\"")
                .replacingOccurrences(of: "poll_interval = \"1s\"", with: "poll_interval = \"10m\""))
            try await w.firstPoll()
            let polls = try await w.listCalls()
            _ = try await w.addItems(#"[{"title":"fetched by sync"}]"#)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await w.listCalls() == polls, "no poll on its own within 10m")
            #expect(try await w.control("sync") == ["syncing": 1])
            try await w.eventually("a poll happened") { try await w.listCalls() > polls }
            try await w.eventually("the item arrived") { await w.agent.countJSON()["total"] == 1 }
            #expect(try await w.control("sync", ["source": "work"]) == ["syncing": 1])
            #expect(try await w.controlError("sync", ["source": "home"]).code == ControlError.Code.invalidParams)
        }
    }

    @Test func reloadAddsASourceAndKeepsTheFirstOnesState() async throws {
        try await withWorld { w in
            let base = w.configText(desktop: "first_run = \"none\"")
            try await w.start(base)
            try await w.firstPoll()
            _ = try await w.addItems(#"[{"title":"kept"}]"#)
            try await w.eventually("one unread") { await w.agent.countJSON()["total"] == 1 }
            let seenBefore = await w.agent.persisted.sources["work"]?.seen.count
            try (base + """

                [[source]]
                name = "home"
                preset = "jaot"
                base_url = "\(w.emulator.baseURL)"
                token = "test-token"
                poll_interval = "1s"
                """).write(toFile: w.dir + "/config.toml", atomically: true, encoding: .utf8)
            let after = try await w.control("reload")
            #expect(after["sources"]?.array?.compactMap { $0["name"]?.string } == ["work", "home"])
            let status = try await w.control("status")
            #expect(status["sources"]?.array?.compactMap { $0["name"]?.string } == ["work", "home"])
            #expect(await w.agent.persisted.sources["work"]?.seen.count == seenBefore)
            let count = try await w.control("count")
            #expect(count["sources"]?["work"] == 1, "the first source's unread item is kept")
            #expect(w.server!.notifyCalls.filter { $0.summary == "kept" }.count <= 1, "nothing pops twice")
        }
    }

    @Test func aRefusedReloadIsAnErrorAndKeepsTheRunningConfig() async throws {
        try await withWorld { w in
            let base = w.configText()
            try await w.start(base)
            try await w.firstPoll()
            try (base + "\nbogus_key = 1\n").write(toFile: w.dir + "/config.toml", atomically: true, encoding: .utf8)
            do {
                _ = try await w.control("reload")
                Issue.record("a bad config was reported as reloaded")
            } catch let e as ControlError {
                #expect(e.code == ControlError.Code.invalidParams)
                #expect(e.message.contains("bogus_key"))
            }
            let status = try await w.control("status")
            #expect(status["sources"]?.array?.compactMap { $0["name"]?.string } == ["work"])
        }
    }

    @Test func unknownMethodIsMethodNotFound() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            #expect(try await w.controlError("frobnicate").code == ControlError.Code.methodNotFound)
        }
    }

    @Test func watchSeesOneLineAtOnceThenPushedChangesOnArrivalAndRead() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: "first_run = \"none\""))
            try await w.firstPoll()
            let client = try ControlClient(path: w.socket)
            let events = Mutex<[JSONValue]>([])
            let done = Task.detached {
                try await onThread { try client.subscribe { e in events.withLock { $0.append(e) } } }
            }
            try await w.eventually("the first line at once", timeout: .seconds(3)) { events.withLock { $0.count } >= 1 }
            #expect(events.withLock { $0[0] } == ["total": 0, "sources": ["work": 0], "paused": false, "last_item": .null])
            let id = try #require(try await w.addItems(#"[{"title":"pushed"}]"#).first?["id"]?.string)
            try await w.eventually("a pushed line for the arrival") { events.withLock { $0.contains { $0["total"] == 1 } } }
            let arrived = try #require(events.withLock { $0.first { $0["total"] == 1 } })
            #expect(arrived["last_item"] == .string("work:\(id)"))
            let n = events.withLock { $0.count }
            _ = try await w.control("read", ["keys": .array([.string("work:\(id)")])])
            try await w.eventually("a pushed line for the read", timeout: .seconds(3)) {
                events.withLock { $0.dropFirst(n).contains { $0["total"] == 0 } }
            }
            client.cancel()
            try await done.value
        }
    }
}

/// Runs blocking client code on its own thread, off Swift's cooperative pool (the agent needs it).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

extension AgentWorld {
    var socket: String { dir + "/run/control.sock" }

    /// One call through the real socket, the way `belfry` makes it.
    func control(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        let path = socket
        return try await onThread { try ControlClient(path: path).call(method, params: params) }
    }

    /// A call expected to fail with a JSON-RPC error.
    func controlError(_ method: String, _ params: JSONValue? = nil) async throws -> ControlError {
        do {
            let r = try await control(method, params)
            Issue.record("\(method) answered \(r.serialized()) instead of an error")
            throw CancellationError()
        } catch let e as ControlError {
            return e
        }
    }

    func firstPoll() async throws {
        try await eventually("first poll") { await agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
    }

    func isReadOnEmulator(_ id: String) async throws -> Bool {
        try await admin("GET", "/_emulator/items").array?.contains { $0["id"]?.string == id && $0["is_read"] == true } ?? false
    }

    /// How many times the agent listed the feed.
    func listCalls() async throws -> Int {
        try await calls().filter { $0["method"] == "GET" && $0["path"] == "/api/v2/notifications" }.count
    }
}
