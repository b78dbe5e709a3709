import BelfryControl
import BelfryCore
import Foundation
import Glibc

/// Figure 8 (issue 14): a flood of 100,000 SSE events at 10,000/s into the release `belfry run`
/// binary with the default burst limit (5 per 10 s), against the recording server. Everything past
/// the limit folds into the source's summary popup, whose updates the agent sends at most every
/// 250 ms (one in flight): so at most 4 per second of intake (first event written → count exact),
/// plus the first and the trailing one.
/// The count (`count` over the control socket, polled every 10 ms as a status bar would) must be
/// exact within 1 s of the last event written. `max_seen` is raised to twice the flood: with the
/// default (20,000) a stream that never reports reads keeps at most 40,000 unread, and the count
/// would stop there by design. Before issue 14: ~15,000 summary `Notify` calls, and
/// the count 70,000 items behind 20 s after the flood.
struct Flood {
    struct Result {
        var events = 0
        /// First write → last write, seconds (10 s when the agent reads as fast as it is written).
        var floodSeconds = 0.0
        /// The count right after the last write, and how long until it was exact (nil: not within 30 s).
        var countAtLastEvent = 0
        var lagMS: Double?
        var summaryUpdates = 0
        var itemPopups = 0
        var lastSummary = ""
        /// First write → the count exact (or the end of the wait): the span items were folded over.
        var intakeSeconds = 0.0
        /// The most summary updates the 250 ms interval allows over that span.
        var bound: Int { Int((intakeSeconds * 4).rounded(.up)) + 2 }
    }

    var events = 100_000
    var perSecond = 10_000
    /// Events per write: 100 every 10 ms.
    var batch = 100

    func run() async throws -> Result {
        let world = try await World(preset: .visualLayer)
        defer { world.bus.stop() } // synchronous: the private dbus-daemon never outlives the bench
        guard let template = try await world.admin("POST", "/_emulator/items", #"{"message":"template"}"#).array?.first,
              case .object(var fields) = template else { throw BenchError("no template item") }
        let raw = try RawSSEServer()
        defer { raw.stop() }
        let scratch = try Scratch("flood")
        let agent = try startAgent(config: agentConfig(dir: scratch.path, preset: "visual-layer", baseURL: raw.baseURL, transport: "stream",
                                                       agent: "max_seen = \(2 * events)"),
                                   scratch: scratch, busAddress: world.bus.address)
        defer { agent.stop() }
        let socket = scratch.path + "/run/control.sock"
        try await waitUntil("the agent's stream", timeout: .seconds(10), step: .milliseconds(10)) { raw.openStreams == 1 }
        // The stream's catch-up listing has been answered: what follows is new, not a first start's backlog.
        try await waitUntil("the first listing", timeout: .seconds(10), step: .milliseconds(10)) {
            (try? await call(socket, "status"))?["sources"]?[path: "0.state"] == "ok"
        }

        // Every write's bytes, built before the clock starts.
        var writes: [String] = []
        var text = ""
        for n in 1...events {
            let id = String(format: "00000000-0000-4000-8000-%012d", n)
            fields["id"] = .string(id)
            fields["message"] = .string("flood \(n)")
            text += "event: notification\nid: \(id)\ndata: \(JSONValue.object(fields).serialized())\n\n"
            if n % batch == 0 || n == events {
                writes.append(text)
                text = ""
            }
        }
        let batches = writes
        world.server.reset()
        let interval = UInt64(1_000_000_000) * UInt64(batch) / UInt64(perSecond)
        let (first, last) = await DetachedThread.run(name: "bench-flood") { () -> (UInt64, UInt64) in
            let start = nowNS()
            for (k, bytes) in batches.enumerated() {
                var due = timespec()
                let at = start + UInt64(k) * interval
                due.tv_sec = Int(at / 1_000_000_000)
                due.tv_nsec = Int(at % 1_000_000_000)
                while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, nil) == EINTR {}
                _ = raw.send(bytes)
            }
            return (start, nowNS())
        }
        var result = Result(events: events, floodSeconds: Double(last - first) / 1e9)
        let events = self.events
        let (atLast, exact) = try await DetachedThread.run(name: "bench-count") { () throws -> (Int, UInt64?) in
            let client = try ControlClient(path: socket, timeout: .seconds(30))
            let atLast = try client.call("count")["total"]?.int ?? -1
            let end = nowNS() + 30_000_000_000
            while nowNS() < end {
                if try client.call("count")["total"]?.int == events { return (atLast, nowNS()) }
                usleep(10_000)
            }
            return (atLast, nil)
        }
        result.countAtLastEvent = atLast
        result.lagMS = exact.map { ms($0 - last) }
        result.intakeSeconds = Double((exact ?? nowNS()) - first) / 1e9
        // The trailing update leaves within 250 ms of the last fold; give it a second.
        try await Task.sleep(for: .seconds(1))
        let receipts = world.server.receipts
        let summaries = receipts.filter { $0.summary.contains(" new from ") }
        result.summaryUpdates = summaries.count
        result.itemPopups = receipts.count - summaries.count
        result.lastSummary = summaries.last?.summary ?? ""
        return result
    }

    /// One control call on a thread of its own (the client blocks).
    private func call(_ socket: String, _ method: String) async throws -> JSONValue {
        try await DetachedThread.run(name: "bench-call") { () throws -> JSONValue in
            try ControlClient(path: socket, timeout: .seconds(5)).call(method)
        }
    }
}
