@testable import BelfryAgent
import BelfryCore
import BelfryEmulatorKit
import BelfryTestSupport
import Foundation
import Testing

/// Issue 15 point 5 with the real agent: redirects are followed for GETs (list, stream), the token
/// goes only to trusted origins, and loops or a cross-origin hop that needs the token are clear
/// errors naming both hosts. The second origin is another emulator on 127.0.0.2 (another host on
/// loopback).
@Suite(.serialized) struct RedirectAgentTests {
    /// A second emulator of the same preset on another loopback host, stopped by `body`'s end.
    func withSecondOrigin(_ preset: EmulatorPreset, options: EmulatorOptions = EmulatorOptions(),
                          _ body: (Emulator) async throws -> Void) async throws {
        var o = options
        o.host = "127.0.0.2"
        let other = Emulator(preset: preset, options: o)
        _ = try await other.start()
        do { try await body(other) } catch {
            await other.stop()
            throw error
        }
        await other.stop()
    }

    func admin(_ w: AgentWorld, _ e: Emulator, _ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
        let r = try await w.http.send(HTTPRequest(method: method, url: e.baseURL + path,
                                                  headers: [HTTPHeader("Content-Type", "application/json")],
                                                  body: body.map { Array($0.utf8) }))
        #expect((200..<300).contains(r.status), "admin \(method) \(path) answered \(r.status)")
        return r.body.isEmpty ? .null : try JSONValue.parse(r.body)
    }

    func hostPort(_ url: String) -> String { String(url.dropFirst("http://".count)) }

    func lastError(_ w: AgentWorld) async -> String {
        await w.agent.statusJSON()["sources"]?[path: "0.last_error"]?.string ?? ""
    }

    @Test func aRedirectLoopIsAClearErrorNamingBothHosts() async throws {
        try await withWorld { w in
            try await withSecondOrigin(.jaot) { b in
                let list = "/api/v2/notifications"
                try await w.admin("POST", "/_emulator/http", #"{"redirects":[{"path":"\#(list)","to":"\#(b.baseURL)"}]}"#)
                _ = try await admin(w, b, "POST", "/_emulator/http", #"{"redirects":[{"path":"\#(list)","to":"\#(w.emulator.baseURL)"}]}"#)
                try await w.start(w.configText())
                try await w.eventually("the loop is reported") { await lastError(w).contains("redirect loop") }
                let error = await lastError(w)
                #expect(error.contains(hostPort(w.emulator.baseURL)) && error.contains(hostPort(b.baseURL)), "\(error)")
                #expect(!error.contains("test-token"))
            }
        }
    }

    @Test func aCrossOriginRedirectNeverCarriesTheTokenAndARefusalThereNamesBothHosts() async throws {
        try await withWorld { w in
            try await withSecondOrigin(.jaot) { b in
                let list = "/api/v2/notifications"
                try await w.admin("POST", "/_emulator/http", #"{"redirects":[{"path":"\#(list)","to":"\#(b.baseURL)","status":302}]}"#)
                try await w.start(w.configText())
                try await w.eventually("the refusal is reported") { await lastError(w).contains("without the token") }
                let error = await lastError(w)
                #expect(error.contains(hostPort(w.emulator.baseURL)) && error.contains(hostPort(b.baseURL)), "\(error)")
                let other = try await admin(w, b, "GET", "/_emulator/calls").array ?? []
                #expect(!other.isEmpty, "the redirect was followed")
                #expect(other.allSatisfy { $0["token"] == .null }, "the token never went to the other origin")
                #expect(await w.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "error", "not a refused token of the source")
                #expect(!w.server!.notifyCalls.contains { $0.summary.contains("refused its token") })
            }
        }
    }

    @Test func aStreamBehindA301OnAnotherTrustedOriginIsFollowed() async throws {
        let options = EmulatorOptions(ssePingInterval: .milliseconds(200))
        try await withWorld(preset: .visualLayer, options: options) { w in
            try await withSecondOrigin(.visualLayer, options: options) { b in
                let stream = "/api/v1/notifications/stream"
                try await w.admin("POST", "/_emulator/http", #"{"redirects":[{"path":"\#(stream)","to":"\#(b.baseURL)","status":301}]}"#)
                try await w.start(w.configText(poll: "10m")) { agent in await agent.trust([b.baseURL], for: "work") }
                try await w.eventually("the stream is up on the other origin", timeout: .seconds(15)) {
                    let transport = await w.agent.statusJSON()["sources"]?[path: "0.transport"]?.string
                    let open = try await admin(w, b, "GET", "/_emulator/streams")["open"]?.int ?? 0
                    return transport == "stream" && open == 1
                }
                _ = try await admin(w, b, "POST", "/_emulator/items", #"[{"metadata":{"view_name":"Elsewhere","dataset_name":"D","result_count":1}}]"#)
                let call = try #require(try await w.server!.waitForNotifyCalls(1, timeout: .seconds(10)).first)
                #expect(call.summary == "New results in Elsewhere")
                let redirected = try await w.calls().filter { $0["path"]?.string == stream }
                #expect(redirected.first?["fault"]?.string == "redirect")
                let streamed = (try await admin(w, b, "GET", "/_emulator/calls").array ?? []).filter { $0["path"]?.string == stream }
                #expect(streamed.first?["token"]?.string == "test-token", "a trusted origin gets the token")
            }
        }
    }
}
