import BelfryAgent
import BelfryCore
import BelfryDBus
import BelfryTestSupport
import Foundation
import Testing

/// Links open outside the agent's unit: through the OpenURI portal, else a transient unit of the
/// user's service manager, else (neither on the bus) as the agent's child. A fake portal and a fake
/// systemd manager on the private bus record what they are asked.
@Suite(.serialized) struct LinkLaunchTests {
    /// Clicks Open on a fresh popup of an item with a link, with an activation token first.
    func clickOpen(_ w: AgentWorld, token: String) async throws -> String {
        try await w.waitUntilPolled()
        _ = try await w.addItems(#"[{"title":"Open me","link":"/executions/exe_7"}]"#)
        let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
        try await w.server!.emitActivationToken(id: popup.returnedID, token: token)
        try await w.server!.emitActionInvoked(id: popup.returnedID, key: "default")
        return "https://app.example.com/executions/exe_7"
    }

    /// `a(sv)` properties by name.
    func properties(_ value: DBusValue) -> [String: DBusValue] {
        var out: [String: DBusValue] = [:]
        for p in value.arrayValue ?? [] {
            guard case .structure(let parts) = p, parts.count == 2, let name = parts[0].stringValue,
                  case .variant(let inner) = parts[1] else { continue }
            out[name] = inner
        }
        return out
    }

    /// A world with a fake portal and a fake systemd manager on its bus.
    func withLaunchers(_ body: (AgentWorld, FakeLauncher, FakeLauncher, LogCapture) async throws -> Void) async throws {
        try await withWorld { w in
            let portal = try await FakeLauncher.start(.portal, busAddress: w.bus.address)
            let systemd = try await FakeLauncher.start(.systemd, busAddress: w.bus.address)
            do {
                try await body(w, portal, systemd, LogCapture())
            } catch {
                await portal.stop()
                await systemd.stop()
                throw error
            }
            await portal.stop()
            await systemd.stop()
        }
    }

    @Test func thePlainOpenerGoesThroughThePortalWithTheActivationToken() async throws {
        try await withLaunchers { w, portal, systemd, log in
            try await w.start(w.configText().replacingOccurrences(of: #"opener = ["\#(w.dir)/opener"]"#, with: #"opener = ["xdg-open"]"#),
                              log: log)
            let url = try await clickOpen(w, token: "token-42")
            let call = try #require(try await portal.waitForCalls(1).first)
            #expect(call.args[0] == .string(""), "no parent window")
            #expect(call.args[1] == .string(url))
            #expect(call.args[2] == .vardict([("activation_token", .string("token-42"))]))
            #expect(systemd.calls.isEmpty)
            try await w.eventually("the route is logged") { log.contains("links open through the OpenURI portal") }
        }
    }

    @Test func aCustomOpenerRunsAsATransientUnitWithTheToken() async throws {
        try await withLaunchers { w, portal, systemd, log in
            try await w.start(w.configText(), log: log)
            let url = try await clickOpen(w, token: "token-43")
            let call = try #require(try await systemd.waitForCalls(1).first)
            let name = try #require(call.args[0].stringValue)
            #expect(name.hasPrefix("app-belfry-") && name.hasSuffix(".service"), "\(name)")
            #expect(call.args[1] == .string("fail"))
            let props = properties(call.args[2])
            let opener = w.dir + "/opener"
            #expect(props["ExecStart"] == .array(element: "(sasb)", [.structure([.string(opener), .strings([opener, url]), .bool(false)])]))
            let environment = (props["Environment"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(environment.suffix(2) == ["XDG_ACTIVATION_TOKEN=token-43", "DESKTOP_STARTUP_ID=token-43"])
            #expect(environment.dropLast(2).allSatisfy { ["DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY"].contains($0.prefix { $0 != "=" }) },
                    "only the display variables besides: \(environment)")
            #expect(props["CollectMode"] == .string("inactive-or-failed"))
            #expect(portal.calls.isEmpty, "the portal opens with the default handler, not this opener")
            try await w.eventually("marked read all the same") { await w.agent.countJSON()["total"] == 0 }
            #expect(w.openerLog.isEmpty, "not started by the agent itself")
            #expect(log.contains("links open through a transient unit of the user's service manager"))
        }
    }

    @Test func withNeitherTheOpenerIsTheAgentsChild() async throws {
        try await withWorld { w in
            let log = LogCapture()
            try await w.start(w.configText(), log: log)
            let url = try await clickOpen(w, token: "token-44")
            try await w.eventually("the opener ran") { w.openerLog == ["token-44 \(url)"] }
            #expect(log.contains("links open through the opener started directly"))
        }
    }
}
