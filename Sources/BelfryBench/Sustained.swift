import BelfryAgent
import BelfryCore
import BelfryDBus
import BelfryHTTP
import CBelfryLinux
import Foundation
import Logging
import Synchronization

/// Figure 2: events per second through the agent's own path — SSE parse → JSON → item → Inbox (dedup)
/// → rules (burst limiter, popup composition) → `Notify` over a private bus to the recording server,
/// which must have received every one — in process, with the same calls StreamFeed makes. The burst
/// limit is lifted (set to Int.max after the config is read) so every event pops.
struct Sustained {
    struct Result {
        var rates: [Double] = []
        var rssKB: [Int] = []
        /// The floor: sequential Notify round trips from a bare BusConnection to the same server.
        var bareRate = 0.0
        /// The ceiling: the same calls from a bare BusConnection, 64 in flight.
        var bareRatePipelined = 0.0
        /// The agent's own share: the same events into a sink that answers at once.
        var agentAloneRate = 0.0
    }

    var perRound = 10_000
    var rounds = 3
    /// The seen map's cap for this run. Nothing is read, so the map holds up to twice this (rounds 1
    /// and 2); from round 3 each new item past it is remembered and the oldest are forgotten, a tenth
    /// at a time.
    var maxSeen = 10_000

    func run() async throws -> Result {
        let world = try await World(preset: .visualLayer)
        defer { world.bus.stop() } // synchronous: the private dbus-daemon never outlives the bench
        // One item exactly as the emulator renders it: the template of every event.
        guard let template = try await world.admin("POST", "/_emulator/items", #"{"message":"template"}"#).array?.first,
              case .object(var fields) = template else { throw BenchError("no template item") }
        let scratch = try Scratch("sustained")
        var config = try ConfigLoader.parse(agentConfig(dir: scratch.path, preset: "visual-layer", baseURL: world.emulator.baseURL,
                                                        transport: "stream"), file: "bench.toml")
        config.desktop.burstLimit = Int.max
        config.agent.maxSeen = maxSeen
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let sink = DBusNotifications(busAddress: world.bus.address)
        let agent = Agent(config: config, sink: sink, transport: world.http, stateFile: nil, state: PersistedState(),
                          environment: [:], logger: logger)
        await agent.refreshServer()
        let source = config.sources[0]
        // The first listing, as StreamFeed's catch-up poll makes it before streaming: without it every
        // event counts as the first run's backlog and folds into a summary popup (an early version of
        // this bench measured that path, one summary round trip per event, ~2,200/s).
        await agent.ingest([], source: source.name, complete: true)
        let extractor = ItemExtractor(source: source)
        var result = Result()
        var serial = 0
        /// The next `perRound` events as SSE bytes, each the template with a new id (built untimed).
        func streamBytes() throws -> [UInt8] {
            var bytes: [UInt8] = []
            for _ in 0..<perRound {
                serial += 1
                let id = String(format: "00000000-0000-4000-8000-%012d", serial)
                fields["id"] = .string(id)
                fields["message"] = .string("event \(serial)")
                bytes += Array("event: notification\nid: \(id)\ndata: \(String(decoding: try JSONEncoder().encode(JSONValue.object(fields)), as: UTF8.self))\n\n".utf8)
            }
            return bytes
        }
        /// What StreamFeed does with stream bytes: parse, extract, ingest, record the event id.
        func feed(_ bytes: [UInt8], to agent: Agent) async throws {
            var parser = SSEParser()
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + 16_384, bytes.count)
                for e in try parser.parse(bytes[offset..<end]) where e.type == "notification" {
                    if let json = try? JSONValue.parse(e.data), let item = extractor.item(from: json) {
                        await agent.ingest([item], source: source.name, complete: false)
                    }
                    if !e.lastEventID.isEmpty { await agent.setLastEventID(e.lastEventID, source: source.name) }
                }
                offset = end
            }
        }
        for _ in 0..<rounds {
            // The round's stream bytes, built before the clock starts.
            let bytes = try streamBytes()
            world.server.reset()
            let t0 = nowNS()
            try await feed(bytes, to: agent)
            try await world.server.waitForReceipts(perRound, timeout: .seconds(60), what: "\(perRound) Notify calls")
            let receipts = world.server.receipts
            let t1 = receipts.last!.at
            // Every Notify must be an item's own popup: a summary means the path measured is not
            // the one a streamed item takes.
            if let folded = receipts.first(where: { $0.summary.contains(" unread in ") || $0.summary.contains(" new from ") }) {
                throw BenchError("sustained: a summary popup (\(folded.summary)) instead of item popups")
            }
            result.rates.append(Double(perRound) / (Double(t1 - t0) / 1e9))
            // Live memory, not what malloc keeps cached: the bench's own per-round buffers (this round's
            // stream bytes, the server's receipts) come and go in this process too, and glibc keeps
            // freed pages per thread arena, so a raw RSS sample swung by ±10 MB from round to round.
            world.server.reset()
            malloc_trim(0)
            result.rssKB.append(Proc.status(getpid(), "VmRSS") ?? 0)
        }
        await sink.shutdown()

        // The agent alone: the same path into a sink that answers at once (no bus, no server).
        let alone = Agent(config: config, sink: NullSink(), transport: world.http, stateFile: nil, state: PersistedState(),
                          environment: [:], logger: logger)
        await alone.refreshServer()
        await alone.ingest([], source: source.name, complete: true)
        let bytes = try streamBytes()
        let a0 = nowNS()
        try await feed(bytes, to: alone)
        result.agentAloneRate = Double(perRound) / (Double(nowNS() - a0) / 1e9)

        let bare = try await BusConnection.connect(address: world.bus.address)
        let hints = DBusValue.dict(key: "s", value: "v", [])
        let n = 3000
        let b0 = nowNS()
        for i in 0..<n {
            _ = try await bare.call(destination: "org.freedesktop.Notifications", path: "/org/freedesktop/Notifications",
                                    interface: "org.freedesktop.Notifications", member: "Notify",
                                    args: [.string("bare"), .uint32(0), .string(""), .string("bare \(i)"), .string(""),
                                           .strings([]), hints, .int32(-1)])
        }
        result.bareRate = Double(n) / (Double(nowNS() - b0) / 1e9)
        // Pipelined: up to `Agent.maxInFlight` (64) in flight, as the agent sends them, and a popup
        // shaped like the agent's (two actions, three hints, a body).
        let fullHints = DBusValue.vardict([("urgency", .byte(1)), ("category", .string("im.received")),
                                           ("desktop-entry", .string("belfry"))])
        let body = String(repeating: "Your build on main finished with 3 warnings. ", count: 2)
        var window: [PendingReply] = []
        let p0 = nowNS()
        for i in 0..<n {
            if window.count >= 64 { _ = try await window.removeFirst().value() }
            window.append(try bare.send(destination: "org.freedesktop.Notifications", path: "/org/freedesktop/Notifications",
                                        interface: "org.freedesktop.Notifications", member: "Notify",
                                        args: [.string("Belfry"), .uint32(0), .string("belfry"), .string("bare \(i)"), .string(body),
                                               .strings(["default", "Open", "mark-read", "Mark read"]), fullHints, .int32(-1)]))
        }
        for reply in window { _ = try await reply.value() }
        result.bareRatePipelined = Double(n) / (Double(nowNS() - p0) / 1e9)
        await bare.close()
        return result
    }
}

/// A desktop sink that shows nothing and answers at once: the agent's own cost, without the bus.
final class NullSink: DesktopSink {
    private let next = Mutex<UInt32>(0)
    let events: AsyncStream<DesktopEvent> = AsyncStream { _ in }
    func serverInfo() async throws -> NotificationServerInfo {
        NotificationServerInfo(name: "null", vendor: "bench", version: "1", specVersion: "1.2", capabilities: ["actions", "body"])
    }
    func notify(_ notification: DesktopNotification) async throws -> UInt32 { next.withLock { $0 += 1; return $0 } }
    func close(id: UInt32) async throws {}
}
