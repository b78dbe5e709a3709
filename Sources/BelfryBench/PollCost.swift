import BelfryCore
import Foundation
import Glibc

/// Figure 7: `belfry run` (release) polling the jaot emulator every second with nothing new: API
/// requests per poll (from the emulator's call log) and whether the state file's mtime moved.
struct PollCost {
    struct Result {
        var polls = 0
        var requests = 0
        var conditional = false
        var stateWritten = false
    }

    var window = 6

    func run() async throws -> Result {
        let world = try await World(preset: .jaot, seed: 3)
        defer { world.bus.stop() } // synchronous: the private dbus-daemon never outlives the bench
        let scratch = try Scratch("poll")
        let agent = try startAgent(config: agentConfig(dir: scratch.path, preset: "jaot", baseURL: world.emulator.baseURL,
                                                       transport: "poll", pollInterval: "1s"),
                                   scratch: scratch, busAddress: world.bus.address)
        defer { agent.stop() }
        let statePath = scratch.path + "/state.json"
        try await waitUntil("the first state write", timeout: .seconds(10), step: .milliseconds(20)) {
            FileManager.default.fileExists(atPath: statePath)
        }
        try await Task.sleep(for: .seconds(2)) // the first polls and their (debounced) writes settle
        let before = mtime(statePath)
        try await world.admin("DELETE", "/_emulator/calls")
        try await Task.sleep(for: .seconds(window))
        let calls = try await world.apiCalls()
        var r = Result()
        r.requests = calls.count
        // A poll here is one listing request; count distinct seconds the listing was asked for.
        r.polls = calls.filter { c in
            if case .object(let o) = c, case .string(let p)? = o["path"] { return p == "/api/v2/notifications" }
            return false
        }.count
        r.stateWritten = mtime(statePath) != before
        return r
    }

    private func mtime(_ path: String) -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { return -1 }
        return st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec
    }
}
