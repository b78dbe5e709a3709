import Foundation

/// Figure 4: `belfry run` (release) connected to a stream that pings every 3 s, nothing else
/// happening, for `seconds`: CPU from /proc/PID/stat (utime+stime), RSS (status) and PSS
/// (smaps_rollup), and wake-ups counted as context switches summed over the agent's threads
/// (/proc/PID/task/*/status), sampled every 100 ms so that wake-ups between pings show up as
/// active slots away from the ping times.
struct Idle {
    struct Result {
        var cpuPercent = 0.0
        var rssKB = 0
        var pssKB = 0
        var threads = 0
        var switches = 0
        var pings = 0
        var activeSlots = 0
        var slots = 0
        var mappings: [Smaps.Share] = []
    }

    var seconds = 60
    /// The `belfry` measured: the development build beside the bench, or the packaged one (`installed`).
    var binary = belfryBinary
    /// Also read /proc/PID/smaps at the end: where the resident memory is, by mapping.
    var breakdown = false

    func run() async throws -> Result {
        let world = try await World(preset: .visualLayer, ping: .seconds(3))
        defer { world.bus.stop() } // synchronous: the private dbus-daemon never outlives the bench
        let scratch = try Scratch("idle")
        let agent = try startAgent(config: agentConfig(dir: scratch.path, preset: "visual-layer", baseURL: world.emulator.baseURL,
                                                       transport: "stream", pollInterval: "1h"),
                                   scratch: scratch, busAddress: world.bus.address, binary: binary)
        defer { agent.stop() }
        try await waitUntil("the agent's stream", timeout: .seconds(10), step: .milliseconds(10)) { try await world.openStreams() == 1 }
        try await Task.sleep(for: .seconds(4)) // start-up settles, the state is written once
        let ticks0 = Proc.cpuTicks(agent.pid) ?? 0
        let sw0 = Proc.contextSwitches(agent.pid)
        var last = sw0
        var r = Result()
        let slotCount = seconds * 10
        let start = ContinuousClock.now
        for slot in 1...slotCount {
            try await Task.sleep(until: start + .milliseconds(100 * slot))
            let now = Proc.contextSwitches(agent.pid)
            if now != last { r.activeSlots += 1 }
            last = now
        }
        let ticks1 = Proc.cpuTicks(agent.pid) ?? 0
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        r.cpuPercent = Double(ticks1 - ticks0) / hz / Double(seconds) * 100
        r.switches = last - sw0
        r.slots = slotCount
        r.pings = seconds / 3
        r.rssKB = Proc.status(agent.pid, "VmRSS") ?? 0
        r.pssKB = Proc.pss(agent.pid) ?? 0
        r.threads = Proc.threads(agent.pid)
        if breakdown { r.mappings = Smaps.read(agent.pid) }
        guard agent.isRunning else { throw BenchError("the agent exited: \(Proc.text(scratch.path + "/agent.log"))") }
        return r
    }
}
