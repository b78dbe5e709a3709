import BelfryCore
import Foundation

/// Figure 3: a first start with 10,000 unread items waiting: `belfry run` (release) is started
/// against the emulator and the recording server; done = the summary popup's receipt; then 2 s more
/// to count every Notify (one expected) before VmHWM is read and the agent stopped.
struct Burst {
    struct Result {
        var doneMS: [Double] = []
        var popups: [Int] = []
        var hwmKB: [Int] = []
        var seen: [Int] = []
        var summary = ""
    }

    var items = 10_000
    var runs = 3

    func run() async throws -> Result {
        var result = Result()
        for _ in 0..<runs {
            let world = try await World(preset: .visualLayer)
            do {
                for chunk in 0..<(items / 1000) {
                    let batch = (0..<1000).map { #"{"message":"backlog \#(chunk * 1000 + $0)"}"# }.joined(separator: ",")
                    try await world.admin("POST", "/_emulator/items", "[" + batch + "]")
                }
                let scratch = try Scratch("burst")
                let t0 = nowNS()
                let agent = try startAgent(config: agentConfig(dir: scratch.path, preset: "visual-layer", baseURL: world.emulator.baseURL),
                                           scratch: scratch, busAddress: world.bus.address)
                try await world.server.waitForReceipts(1, timeout: .seconds(30), what: "the summary popup")
                let done = world.server.receipt(at: 0)!
                try await Task.sleep(for: .seconds(2))
                result.doneMS.append(ms(done.at - t0))
                result.popups.append(world.server.count)
                result.hwmKB.append(Proc.status(agent.pid, "VmHWM") ?? 0)
                result.summary = done.summary
                agent.stop()
                if let data = FileManager.default.contents(atPath: scratch.path + "/state.json"),
                   let state = try? JSONDecoder().decode(PersistedState.self, from: data) {
                    result.seen.append(state.sources["bench"]?.seen.count ?? 0)
                }
            } catch {
                await world.close()
                throw error
            }
            await world.close()
        }
        return result
    }
}
