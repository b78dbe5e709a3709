import BelfryCore
import Foundation

/// Figure 1: the server writes an SSE event → `Notify` arrives at the recording server, for the
/// release `belfry run` binary and for the naive `curl -N | while read; notify-send` pipeline, on the
/// same server, bus and recording server, one event at a time (2 ms apart).
///
/// The event is the visual-layer emulator's own rendering of an item, written by `RawSSEServer`
/// (the emulator's wire format without Hummingbird in between, so the write can be timestamped):
/// t0 just before `write(2)`, t1 when the recording server's Notify handler runs, both
/// CLOCK_MONOTONIC in this process.
struct StreamLatency {
    struct Result {
        var agent: [Double] = []
        var naive: [Double] = []
    }

    var events = 1000
    var naiveEvents = 1000
    var warmup = 20

    func run() async throws -> Result {
        let world = try await World(preset: .visualLayer)
        defer { world.bus.stop() } // synchronous: the private dbus-daemon never outlives the bench
        guard let template = try await world.admin("POST", "/_emulator/items", #"{"message":"template"}"#).array?.first,
              case .object(let fields) = template else { throw BenchError("no template item") }
        let raw = try RawSSEServer()
        defer { raw.stop() }
        var result = Result()
        let scratch = try Scratch("latency")
        let agent = try startAgent(
            config: agentConfig(dir: scratch.path, preset: "visual-layer", baseURL: raw.baseURL,
                                transport: "stream", desktop: "burst_limit = 1000\nburst_window = \"1s\""),
            scratch: scratch, busAddress: world.bus.address)
        try await waitUntil("the agent's stream", timeout: .seconds(10), step: .milliseconds(10)) { raw.openStreams == 1 }
        try await Task.sleep(for: .milliseconds(500)) // the catch-up poll
        result.agent = try await measure(world, raw, fields, tag: "agent", count: events)
        agent.stop()
        raw.closeStreams()

        let script = """
        curl -sN -H 'Authorization: Bearer test-token' -H 'Accept: text/event-stream' '\(raw.baseURL)/api/v1/notifications/stream' |
        while IFS= read -r line; do
          case "$line" in
            data:*'"message":"naive-'*) m=${line#*\\"message\\":\\"}; m=${m%%\\"*}; notify-send -a naive naive "$m" ;;
          esac
        done
        """
        let naive = try Child(["/bin/bash", "-c", script],
                              environment: ["DBUS_SESSION_BUS_ADDRESS": world.bus.address, "PATH": "/usr/bin:/bin"],
                              stderrPath: scratch.path + "/naive.log")
        defer { naive.stop() }
        try await waitUntil("the naive stream", timeout: .seconds(10), step: .milliseconds(10)) { raw.openStreams == 1 }
        result.naive = try await measure(world, raw, fields, tag: "naive", count: naiveEvents)
        naive.stop()
        return result
    }

    /// Writes `warmup + count` events one at a time; each waits for its Notify (5 s at most).
    private func measure(_ world: World, _ raw: RawSSEServer, _ template: [String: JSONValue], tag: String,
                         count: Int) async throws -> [Double] {
        var latencies: [Double] = []
        var fields = template
        for i in 0..<(warmup + count) {
            let before = world.server.count
            let message = "\(tag)-\(i)"
            let id = UUID().uuidString.lowercased()
            fields["id"] = .string(id)
            fields["message"] = .string(message)
            let text = "event: notification\nid: \(id)\ndata: \(JSONValue.object(fields).serialized())\n\n"
            let t0 = raw.send(text)
            try await world.server.waitForReceipts(before + 1, timeout: .seconds(5), what: "Notify for \(message)")
            guard let r = world.server.receipt(at: before) else { throw BenchError("no receipt") }
            guard r.body.contains(message) || r.summary.contains(message) else {
                throw BenchError("Notify \(before) was not \(message): \(r.summary) / \(r.body)")
            }
            if i >= warmup { latencies.append(ms(r.at - t0)) }
            try await Task.sleep(for: .milliseconds(2))
        }
        return latencies
    }
}
