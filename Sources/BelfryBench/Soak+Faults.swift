import BelfryControl
import BelfryCore
import BelfryEmulatorKit
import BelfryHTTP
import BelfryTestSupport
import Foundation
import Glibc

/// The soak's fault schedule and how each fault is injected and each restart done.
extension Soak {
    // MARK: faults

    struct Injection {
        var at: Double       // fraction of the feeding window
        var what: String
        var act: @Sendable (Soak, Run) async throws -> Void
    }

    func faultSchedule() -> [Injection] {
        func fault(_ target: String, _ body: String) -> @Sendable (Soak, Run) async throws -> Void {
            { _, r in
                try await r.world.admin(target == Soak.vl ? r.world.vl : r.world.bs, "POST", "/_emulator/faults", body)
            }
        }
        /// Every matching request fails for `seconds`, then the fault is cleared.
        func outage(_ target: String, _ body: String, seconds: Double) -> @Sendable (Soak, Run) async throws -> Void {
            { _, r in
                let e = target == Soak.vl ? r.world.vl : r.world.bs
                try await r.world.admin(e, "POST", "/_emulator/faults", body)
                let world = r.world
                Task {
                    try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                    _ = try? await world.admin(e, "DELETE", "/_emulator/faults")
                }
            }
        }
        let outageSeconds = max(3, min(10, seconds / 60))
        let os = Int(outageSeconds)
        return [
            Injection(at: 0.08, what: "vl: 5xx burst on the list (500, 2 requests)",
                      act: fault(Soak.vl, #"{"kind":"status","status":500,"times":2,"path":"/api/v1/notifications","method":"GET"}"#)),
            Injection(at: 0.12, what: "agent: kill -9, restarted", act: { s, r in try await s.restart(r, hard: true) }),
            Injection(at: 0.16, what: "bs: mark-read outage (503 on every POST for \(os) s)",
                      act: outage(Soak.bs, #"{"kind":"status","status":503,"times":10000,"method":"POST"}"#, seconds: outageSeconds)),
            Injection(at: 0.20, what: "agent: SIGTERM, restarted", act: { s, r in try await s.restart(r, hard: false) }),
            Injection(at: 0.28, what: "vl: stream dropped, the next stream cut mid-event",
                      act: fault(Soak.vl, #"{"kind":"drop_stream","times":1}"#)),
            Injection(at: 0.36, what: "bs: 5xx burst on the list (502, 2 requests)",
                      act: fault(Soak.bs, #"{"kind":"status","status":502,"times":2,"method":"GET"}"#)),
            Injection(at: 0.44, what: "vl: stream stalled (silent, no pings)", act: fault(Soak.vl, #"{"kind":"stall_stream"}"#)),
            Injection(at: 0.52, what: "vl: mark-read outage (503 with Retry-After: 3 on every POST for \(os) s)",
                      act: outage(Soak.vl, #"{"kind":"status","status":503,"retry_after":"3","times":10000,"method":"POST"}"#, seconds: outageSeconds)),
            Injection(at: 0.60, what: "bs: 429 with Retry-After: 3 on the list (2 requests)",
                      act: fault(Soak.bs, #"{"kind":"status","status":429,"retry_after":"3","times":2,"method":"GET"}"#)),
            Injection(at: 0.68, what: "vl: stream dropped, the next stream cut mid-event",
                      act: fault(Soak.vl, #"{"kind":"drop_stream","times":1}"#)),
            Injection(at: 0.74, what: "vl: 5xx burst on the list (502, 2 requests)",
                      act: fault(Soak.vl, #"{"kind":"status","status":502,"times":2,"path":"/api/v1/notifications","method":"GET"}"#)),
            Injection(at: 0.80, what: "vl: stream stalled (silent, no pings)", act: fault(Soak.vl, #"{"kind":"stall_stream"}"#)),
            Injection(at: 0.86, what: "bs: mark-read outage (500 on every POST for \(os) s)",
                      act: outage(Soak.bs, #"{"kind":"status","status":500,"times":10000,"method":"POST"}"#, seconds: outageSeconds)),
            Injection(at: 0.92, what: "bs: 429 with Retry-After: 2 on the list (1 request)",
                      act: fault(Soak.bs, #"{"kind":"status","status":429,"retry_after":"2","times":1,"method":"GET"}"#)),
        ]
    }

    func inject(_ i: Injection, _ r: Run, at t: Double) async throws {
        log("soak: \(Int(t)) s: \(i.what)")
        r.result.injections.append("\(Int(t)) s: \(i.what)")
        try await i.act(self, r)
    }

    func restart(_ r: Run, hard: Bool) async throws {
        guard let agent = r.agent else { return }
        let t0 = nowNS()
        r.stops.append((t0, hard ? "kill -9" : "SIGTERM"))
        if hard { agent.kill9() } else { agent.stop() }
        try startAgent(r)
        try await waitReady(r, timeout: .seconds(30))
        r.result.restarts.append(
            "\(hard ? "kill -9" : "SIGTERM") of generation \(r.generation - 1); generation \(r.generation) up (both sources ok) after \(f(ms(nowNS() - t0), 0)) ms")
    }
}
