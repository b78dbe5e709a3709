import BelfryControl
import BelfryCore
import BelfryEmulatorKit
import BelfryHTTP
import BelfryTestSupport
import Foundation
import Glibc

/// The soak of issue 7: `items` items fed at a steady rate over `seconds` to two sources of the
/// release `belfry run` binary (a child in its own process group, stopped by pid): `vl` follows a
/// visual-layer emulator over SSE (`transport = "stream"`), `bs` polls a bytespike emulator every
/// second. Faults are injected on a schedule through the emulators' fault knobs (5xx bursts, 429 with
/// Retry-After, mark-read outages, a stream dropped mid-event, a stalled stream) and the agent is
/// restarted twice (`kill -9`, then SIGTERM) from its state file. A user is played: every 10th item
/// is marked read (half with the popup's "mark-read" button, i.e. an `ActionInvoked` signal from the
/// recording server, half with `read` on the control socket); every other item is read "in the web
/// UI" (the emulator's admin surface) a second after it popped, as a user who reads the service's own
/// page would, which also keeps the services' unread listings short.
///
/// Checks, at the end (after a bounded catch-up): each item popped exactly once (Notify receipts
/// counted by item across the whole run, restarts included), no summary popup (the burst limit is
/// raised to its maximum), every mark-read the agent accepted landed on its emulator exactly once (a
/// call not answered by an injected fault, counted from the emulators' call logs, and the item read
/// there), and the agent's RSS after warm-up vs at the end.
struct Soak {
    var items = 100_000
    var seconds = 600.0
    /// The RSS baseline is taken this long after the last (re)start of the agent.
    var warmUp = 120.0
    /// Longest wait for the agent to catch up after the last item was posted.
    var catchUp = 180.0
    /// `max_seen` in the agent's config: small enough that the seen maps reach their cap during warm-up.
    var maxSeen = 5000

    static let markEvery = 10
    static let vl = "vl", bs = "bs"

    struct Sample { var t: Double; var generation: Int; var rssKB: Int; var pssKB: Int }

    struct Result {
        var items = 0, seconds = 0.0, perSource: [String: Int] = [:]
        var feedSeconds = 0.0          // first post → last post
        var catchUpSeconds = 0.0       // last post → every item shown (and every mark-read landed)
        var shownOnce = 0, missing: [Int] = [], duplicates: [Int: Int] = [:], summaries = 0, otherPopups: [String] = []
        var duplicateNotes: [String] = [], missingNotes: [String] = []
        var markRequested = 0, markByButton = 0, markByControl = 0, buttonFallbacks = 0
        var markLanded = 0, markNotLanded: [String] = [], markDuplicateCalls: [String: Int] = [:], markSpurious = 0
        var markFailedAttempts = 0     // mark-read calls answered by an injected fault (retried from the outbox)
        var faultsPlayed: [String: Int] = [:]    // "vl status" → requests answered by it
        var injections: [String] = []            // the schedule as it ran
        var streamRequests = 0
        var restarts: [String] = []
        var agentExits: [String] = []
        var samples: [Sample] = []
        var baseline: Sample?, end: Sample?
        var agentCPUSeconds = 0.0, lastGenerationSeconds = 0.0
        var tokenInLogs = false
        var logWarnings = 0
        var agentSaw: [String: Int] = [:]   // what the agent's logs report: stream drops, failed lists, retried mark-reads
        var pendingAtEnd = -1, waitingAtEnd = -1

        var growthKB: Int? { baseline.flatMap { b in end.map { $0.rssKB - b.rssKB } } }
        var passed: Bool {
            missing.isEmpty && duplicates.isEmpty && summaries == 0 && markNotLanded.isEmpty && markDuplicateCalls.isEmpty
                && markSpurious == 0 && (growthKB.map { $0 < 2048 } ?? false) && !tokenInLogs && markFailedAttempts > 0
        }
    }

    // MARK: state of a run

    final class Run: @unchecked Sendable {
        let world: SoakWorld
        let scratch: Scratch
        let token: String
        var agent: Child?
        var generation = 0
        var agentStartNS: UInt64 = 0
        var configPath = ""
        var result = Result()
        // items
        var vlIDs: [String] = []             // n/2 → uuid of vl item n (even n)
        var vlIndex: [String: Int] = [:]     // uuid → n
        var shown: [Int32]                   // Notify receipts per item
        var firstAt: [UInt64]                // when each item first popped
        var postedAt: [UInt64]               // when each item was posted to its emulator
        var stops: [(at: UInt64, what: String)] = []  // when the agent was killed or stopped
        var shownCount = 0
        var receiptCursor = 0
        var closedCursor = 0
        var closed = Set<UInt32>()
        // the user
        var readLater: [(at: UInt64, n: Int)] = []
        var buttonPending: [UInt32: (n: Int, generation: Int, at: UInt64)] = [:]
        var controlQueue: [Int] = []
        var requested = Set<Int>()           // mark-read asked for (button or control)
        var accepted = Set<Int>()            // the agent took it (popup closed, or `read` answered)
        var landedCalls: [Int: Int] = [:]    // item → mark-read calls not answered by a fault
        var lastItemShownNS: UInt64 = 0

        init(world: SoakWorld, scratch: Scratch, items: Int, token: String) {
            self.world = world
            self.token = token
            self.scratch = scratch
            shown = Array(repeating: 0, count: items)
            firstAt = Array(repeating: 0, count: items)
            postedAt = Array(repeating: 0, count: items)
        }

        func key(_ n: Int) -> String { n % 2 == 0 ? "vl:\(vlIDs[n / 2])" : "bs:\(Soak.bsID(n))" }
    }

    static func bsID(_ n: Int) -> Int { 1_000_000 + n }
    /// Every 10th item of each source (items alternate between the sources: 0, 1, 20, 21, 40, 41, …).
    static func isMarked(_ n: Int) -> Bool { (n / 2) % markEvery == 0 }

    // MARK: the run

    func run() async throws -> Result {
        let token = "soak-" + UUID().uuidString  // a secret: checked never to reach the agent's log
        let world = try await SoakWorld(token: token)
        defer { world.bus.stop() }  // synchronous: the private dbus-daemon never outlives the bench
        let scratch = try Scratch("soak")
        let r = Run(world: world, scratch: scratch, items: items, token: token)
        r.result.items = items
        r.result.seconds = seconds
        r.vlIDs = (0..<(items + 1) / 2).map { _ in UUID().uuidString.lowercased() }
        for (i, id) in r.vlIDs.enumerated() { r.vlIndex[id] = 2 * i }
        let tokenPath = scratch.path + "/token"
        FileManager.default.createFile(atPath: tokenPath, contents: Data(r.token.utf8), attributes: [.posixPermissions: 0o600])
        r.configPath = try scratch.write("config.toml", config(dir: scratch.path, tokenPath: tokenPath, world: world))
        do {
            try await body(r)
        } catch {
            r.agent?.stop()
            await world.close()
            throw error
        }
        r.agent?.stop()
        await world.close()
        return r.result
    }

    func config(dir: String, tokenPath: String, world: SoakWorld) -> String {
        """
        [agent]
        state_file = "\(dir)/state.json"
        control_socket = "\(dir)/run/control.sock"
        log_level = "info"
        max_seen = \(maxSeen)
        [desktop]
        burst_limit = 1000
        burst_window = "1s"
        first_run = "all"
        [[source]]
        name = "vl"
        preset = "visual-layer"
        base_url = "\(world.vl.baseURL)"
        web_url = "https://app.example.com"
        token_file = "\(tokenPath)"
        transport = "stream"
        poll_interval = "5s"
        [[source]]
        name = "bs"
        preset = "bytespike"
        base_url = "\(world.bs.baseURL)"
        web_url = "https://app.example.com"
        token_file = "\(tokenPath)"
        transport = "poll"
        poll_interval = "1s"
        """
    }

    func startAgent(_ r: Run) throws {
        r.generation += 1
        r.agentStartNS = nowNS()
        r.agent = try Child([belfryBinary, "run", "--config", r.configPath, "--sink", "dbus"],
                            environment: agentEnvironment(r),
                            stderrPath: r.scratch.path + "/agent-\(r.generation).log")
    }

    /// The agent's environment; `BELFRY_SOAK_AGENT_ENV` ("K=V K=V") adds to it, for experiments only.
    func agentEnvironment(_ r: Run) -> [String: String] {
        var env = ["HOME": r.scratch.path, "XDG_RUNTIME_DIR": r.scratch.path + "/run",
                   "DBUS_SESSION_BUS_ADDRESS": r.world.bus.address, "PATH": "/usr/bin:/bin"]
        for pair in (ProcessInfo.processInfo.environment["BELFRY_SOAK_AGENT_ENV"] ?? "").split(separator: " ") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { env[String(kv[0])] = String(kv[1]) }
        }
        return env
    }

    func control(_ r: Run, _ method: String, _ params: JSONValue? = nil) -> JSONValue? {
        guard let client = try? ControlClient(path: r.scratch.path + "/run/control.sock", timeout: .seconds(3)) else { return nil }
        return try? client.call(method, params: params)
    }

    /// Both sources healthy and the stream open (before the first item, and after each restart).
    func waitReady(_ r: Run, timeout: Duration) async throws {
        try await waitUntil("the agent's sources to be up", timeout: timeout, step: .milliseconds(50)) {
            guard let status = control(r, "status"), let list = status["sources"]?.array else { return false }
            guard list.count == 2, list.allSatisfy({ $0["state"]?.string == "ok" }) else { return false }
            let streams = try await r.world.admin(r.world.vl, "GET", "/_emulator/streams")
            return streams["open"]?.int == 1
        }
    }

    func body(_ r: Run) async throws {
        try startAgent(r)
        try await waitReady(r, timeout: .seconds(20))
        let rate = Double(items) / seconds
        let schedule = faultSchedule()
        var nextFault = 0
        var posted = 0
        let t0 = nowNS()
        func elapsed() -> Double { Double(nowNS() - t0) / 1e9 }
        var lastRead = 0.0, lastControl = 0.0, lastDrain = 0.0, lastSample = 0.0, lastProgress = 0.0
        var lastPostT = 0.0
        var doneAt: Double?
        log("soak: \(items) items over \(Int(seconds)) s (\(f(rate, 1))/s), agent pid \(r.agent!.pid)")
        var tick = 0
        while true {
            tick += 1
            try await Task.sleep(until: .now + .milliseconds(100))
            let t = elapsed()
            // Feed: what the steady rate says is due by now.
            let due = min(items, Int(rate * t))
            if due > posted {
                try await post(r, from: posted, to: due)
                posted = due
                lastPostT = t
                if posted == items { r.result.feedSeconds = t }
            }
            // Faults and restarts on schedule.
            while nextFault < schedule.count, t >= schedule[nextFault].at * seconds {
                try await inject(schedule[nextFault], r, at: t)
                nextFault += 1
            }
            if let agent = r.agent, !agent.isRunning {
                r.result.agentExits.append("generation \(r.generation) exited on its own at \(Int(t)) s")
                log("soak: the agent exited on its own; restarting")
                try startAgent(r)
            }
            try await readReceipts(r)
            try await pressButtons(r)
            if t - lastControl >= 0.5 { lastControl = t; controlReads(r) }
            if t - lastRead >= 1 { lastRead = t; try await readElsewhere(r) }
            if t - lastDrain >= 2 { lastDrain = t; try await drainCalls(r) }
            if t - lastSample >= 5 {
                lastSample = t
                if let pid = r.agent?.pid, let rss = Proc.status(pid, "VmRSS") {
                    r.result.samples.append(Sample(t: t, generation: r.generation, rssKB: rss, pssKB: Proc.pss(pid) ?? 0))
                }
            }
            if t - lastProgress >= 30 {
                lastProgress = t
                let rss = r.result.samples.last.map { mb($0.rssKB) } ?? "?"
                log("soak: \(Int(t)) s: posted \(posted), shown \(r.shownCount), mark-reads \(r.accepted.count)/\(r.requested.count) accepted, \(r.landedCalls.count) landed; RSS \(rss)")
            }
            // Done: everything posted and shown, every accepted mark-read landed, the outbox empty.
            if posted == items, doneAt == nil, r.shownCount == items, r.controlQueue.isEmpty, r.buttonPending.isEmpty,
               r.accepted.count == r.requested.count, r.accepted.allSatisfy({ r.landedCalls[$0] != nil }),
               tick % 10 == 0, let status = control(r, "status"), status["pending_actions"]?.int == 0 {
                doneAt = t
                r.result.catchUpSeconds = t - lastPostT
                log("soak: caught up \(f(t - lastPostT, 1)) s after the last post; 10 s more for late duplicates")
            }
            if let d = doneAt, t - d >= 10 { break }
            if posted == items, t - lastPostT > catchUp {
                log("soak: gave up waiting for the catch-up after \(Int(catchUp)) s")
                r.result.catchUpSeconds = t - lastPostT
                break
            }
        }
        try await finish(r)
    }

    // MARK: feeding

    func post(_ r: Run, from: Int, to: Int) async throws {
        var vl: [String] = [], bs: [String] = []
        let now = nowNS()
        for n in from..<to {
            r.postedAt[n] = now
            if n % 2 == 0 {
                vl.append(#"{"id":"\#(r.vlIDs[n / 2])","message":"soak item \#(n)"}"#)
            } else {
                bs.append(#"{"id":\#(Soak.bsID(n)),"title":"soak","body":"soak item \#(n)"}"#)
            }
        }
        if !vl.isEmpty { try await r.world.admin(r.world.vl, "POST", "/_emulator/items", "[" + vl.joined(separator: ",") + "]") }
        if !bs.isEmpty { try await r.world.admin(r.world.bs, "POST", "/_emulator/items", "[" + bs.joined(separator: ",") + "]") }
        r.result.perSource[Soak.vl, default: 0] += vl.count
        r.result.perSource[Soak.bs, default: 0] += bs.count
    }

    // MARK: the user

    /// New Notify receipts: count each item's popups; decide how the user reads it.
    func readReceipts(_ r: Run) async throws {
        let new = r.world.server.receipts(from: r.receiptCursor)
        r.receiptCursor += new.count
        for receipt in new {
            guard receipt.body.hasPrefix("soak item "), let n = Int(receipt.body.dropFirst(10)), n >= 0, n < items else {
                if receipt.summary.contains(" new from ") || receipt.summary.contains(" unread in ") {
                    r.result.summaries += 1
                } else if r.result.otherPopups.count < 10 {
                    r.result.otherPopups.append(receipt.summary)
                }
                continue
            }
            r.shown[n] += 1
            guard r.shown[n] == 1 else { continue }
            r.firstAt[n] = receipt.at
            r.shownCount += 1
            r.lastItemShownNS = receipt.at
            if Soak.isMarked(n) {
                r.requested.insert(n)
                // The button only works on a popup of the agent running now; older ones go through `belfry read`.
                if (n / (2 * Soak.markEvery)) % 2 == 0, receipt.at >= r.agentStartNS, r.agent?.isRunning == true {
                    r.buttonPending[receipt.id] = (n, r.generation, 0)
                    r.result.markByButton += 1
                } else {
                    r.controlQueue.append(n)
                    r.result.markByControl += 1
                }
            } else {
                r.readLater.append((receipt.at, n))
            }
        }
        // Popups the agent closed: a handled mark-read button (and items read elsewhere).
        let closed = r.world.server.closedIDs
        for id in closed[r.closedCursor...] { r.closed.insert(id) }
        r.closedCursor = closed.count
    }

    /// Clicks "mark-read" on new popups; a click counts as taken when the agent closes that popup. A
    /// click the agent never handled because it was killed meanwhile is redone with `belfry read`.
    func pressButtons(_ r: Run) async throws {
        let now = nowNS()
        for (id, p) in r.buttonPending {
            if p.at == 0, r.closed.contains(id) {
                // The popup went away before the click (the agent took the item as read elsewhere):
                // nothing to click; the user marks it with `belfry read` instead.
                r.buttonPending.removeValue(forKey: id)
                r.controlQueue.append(p.n)
                r.result.buttonFallbacks += 1
            } else if r.closed.contains(id) {
                r.accepted.insert(p.n)
                r.buttonPending.removeValue(forKey: id)
            } else if p.at == 0 {
                try await r.world.server.emitActionInvoked(id: id, key: "mark-read")
                r.buttonPending[id] = (p.n, p.generation, now)
            } else if p.generation != r.generation || now - p.at > 30_000_000_000 {
                r.buttonPending.removeValue(forKey: id)
                r.controlQueue.append(p.n)
                r.result.buttonFallbacks += 1
            }
        }
    }

    /// `belfry read KEY…` for what is queued; kept queued while the agent does not answer.
    func controlReads(_ r: Run) {
        guard !r.controlQueue.isEmpty else { return }
        let batch = Array(r.controlQueue.prefix(50))
        let keys = batch.map { JSONValue.string(r.key($0)) }
        guard control(r, "read", .object(["keys": .array(keys)])) != nil else { return }
        r.controlQueue.removeFirst(batch.count)
        for n in batch { r.accepted.insert(n) }
    }

    /// Items read on the service's own page a second after they popped.
    func readElsewhere(_ r: Run) async throws {
        let cutoff = nowNS() &- 1_000_000_000
        var vl: [JSONValue] = [], bs: [JSONValue] = []
        var keep: [(at: UInt64, n: Int)] = []
        for e in r.readLater {
            if e.at > cutoff { keep.append(e); continue }
            if e.n % 2 == 0 { vl.append(.string(r.vlIDs[e.n / 2])) } else { bs.append(.string(String(Soak.bsID(e.n)))) }
        }
        r.readLater = keep
        if !vl.isEmpty { try await r.world.admin(r.world.vl, "POST", "/_emulator/items/read", JSONValue.object(["ids": .array(vl)]).serialized()) }
        if !bs.isEmpty { try await r.world.admin(r.world.bs, "POST", "/_emulator/items/read", JSONValue.object(["ids": .array(bs)]).serialized()) }
    }

    /// Takes the emulators' call logs (atomically) and counts mark-read calls per item and played faults.
    func drainCalls(_ r: Run) async throws {
        for (name, emulator) in [(Soak.vl, r.world.vl), (Soak.bs, r.world.bs)] {
            let calls = try await r.world.admin(emulator, "DELETE", "/_emulator/calls").array ?? []
            for c in calls {
                let path = c["path"]?.string ?? "", method = c["method"]?.string ?? ""
                let fault = c["fault"]?.string
                if let fault { r.result.faultsPlayed["\(name) \(fault)", default: 0] += 1 }
                if path.hasSuffix("/stream") { r.result.streamRequests += 1 }
                guard method == "POST" else { continue }
                let parts = path.split(separator: "/")
                var n: Int?
                if name == Soak.vl, parts.count == 5, parts[4] == "read" { n = r.vlIndex[String(parts[3])] }
                if name == Soak.bs, parts.count == 6, parts[5] == "mark-read", let id = Int(parts[4]) { n = id - 1_000_000 }
                guard let n else { continue }
                if fault != nil {
                    r.result.markFailedAttempts += 1
                } else if r.requested.contains(n) {
                    r.landedCalls[n, default: 0] += 1
                } else {
                    r.result.markSpurious += 1
                }
            }
        }
    }

    // MARK: the end

    func finish(_ r: Run) async throws {
        let status = control(r, "status")
        r.result.pendingAtEnd = status?["pending_actions"]?.int ?? -1
        r.result.waitingAtEnd = status?["waiting_popups"]?.int ?? -1
        if let pid = r.agent?.pid {
            r.result.agentCPUSeconds = Double(Proc.cpuTicks(pid) ?? 0) / Double(sysconf(Int32(_SC_CLK_TCK)))
            r.result.lastGenerationSeconds = Double(nowNS() - r.agentStartNS) / 1e9
        }
        // Memory: the last agent process, from warm-up after its start to the end.
        let last = r.result.samples.filter { $0.generation == r.generation }
        let startT = last.first.map { $0.t } ?? 0
        r.result.baseline = last.first { $0.t >= startT + warmUp }
        r.result.end = last.last
        r.agent?.stop()
        try await drainCalls(r)
        // Shown exactly once.
        for n in 0..<items {
            if r.shown[n] == 0 { r.result.missing.append(n) } else if r.shown[n] > 1 { r.result.duplicates[n] = Int(r.shown[n]) }
        }
        r.result.shownOnce = (0..<items).filter { r.shown[$0] == 1 }.count
        // Where each missing item was posted relative to the agent stop nearest to it.
        for n in r.result.missing.prefix(10) {
            let at = r.postedAt[n]
            if let stop = r.stops.min(by: { abs(Double($0.at) - Double(at)) < abs(Double($1.at) - Double(at)) }) {
                r.result.missingNotes.append("\(n): posted \(f((Double(stop.at) - Double(at)) / 1e6, 1)) ms before the \(stop.what)")
            }
        }
        // Where each duplicate's first popup was relative to the agent stop that came next.
        for n in r.result.duplicates.keys.sorted().prefix(10) {
            let at = r.firstAt[n]
            if let stop = r.stops.first(where: { $0.at >= at }) {
                r.result.duplicateNotes.append("\(n): first popup \(f(ms(stop.at - at), 1)) ms before the \(stop.what)")
            } else {
                r.result.duplicateNotes.append("\(n): first popup after the last restart")
            }
        }
        // Mark-reads: requested and accepted, read on the service, each by exactly one call.
        r.result.markRequested = r.requested.count
        let readIDs = try await readOnService(r)
        for n in r.requested.sorted() {
            let landed = readIDs.contains(n)
            if landed { r.result.markLanded += 1 } else if r.result.markNotLanded.count < 20 { r.result.markNotLanded.append(r.key(n)) }
            let calls = r.landedCalls[n] ?? 0
            if calls > 1 { r.result.markDuplicateCalls[r.key(n)] = calls }
            if calls == 0, landed, r.result.markNotLanded.count < 20 { r.result.markNotLanded.append(r.key(n) + " (read, but no call seen)") }
        }
        // The token never reaches the agent's log.
        for g in 1...r.generation {
            let text = Proc.text(r.scratch.path + "/agent-\(g).log")
            if text.contains(r.token) { r.result.tokenInLogs = true }
            for line in text.split(separator: "\n") {
                if line.contains("warning") { r.result.logWarnings += 1 }
                if line.contains("stream dropped") { r.result.agentSaw["stream drops (reconnected)", default: 0] += 1 }
                if line.contains("list answered") || line.contains("list failed") { r.result.agentSaw["failed polls", default: 0] += 1 }
                if line.contains("not delivered") { r.result.agentSaw["mark-read retries", default: 0] += 1 }
            }
        }
    }

    /// Items of the requested set that the service has read.
    func readOnService(_ r: Run) async throws -> Set<Int> {
        var out = Set<Int>()
        for item in try await r.world.admin(r.world.vl, "GET", "/_emulator/items").array ?? [] {
            if let id = item["id"]?.string, let n = r.vlIndex[id], r.requested.contains(n), !(item["read_at"]?.isNull ?? true) { out.insert(n) }
        }
        for item in try await r.world.admin(r.world.bs, "GET", "/_emulator/items").array ?? [] {
            if let id = item["id"]?.int, r.requested.contains(id - 1_000_000), !(item["read_at"]?.isNull ?? true) { out.insert(id - 1_000_000) }
        }
        return out
    }
}
