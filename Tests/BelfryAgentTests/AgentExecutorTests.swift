import Foundation
import Glibc
import Testing

/// The `belfry` binary runs its tasks on its own pool (Sources/belfry/AgentExecutor.swift), not on
/// libdispatch's global queues, whose worker pool libdispatch watches with a once-a-second timer for
/// the life of the process. The swiftc that builds these tests builds the binary too, so the same
/// compiler condition says whether the pool is compiled in.
@Suite struct AgentExecutorTests {
    /// The names of the running agent's threads (`/proc/PID/task/*/comm`).
    static func threadNames(_ pid: Int32) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { tid in
            (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    #if compiler(>=6.3) && !compiler(>=6.4)
    @Test func theAgentRunsItsTasksOnItsOwnPoolAndNoDispatchWorker() async throws {
        try await withWorld(server: false) { w in
            try w.configText().write(toFile: w.dir + "/config.toml", atomically: true, encoding: .utf8)
            let env = ["HOME": w.dir, "XDG_RUNTIME_DIR": w.dir + "/run", "PATH": "/usr/bin:/bin"]
            _ = try await w.addItems(#"[{"message":"before"}]"#)
            let agent = try RealBinary(["run", "--config", w.dir + "/config.toml", "--sink", "stdout"],
                                       environment: env, output: w.dir + "/agent.log")
            defer { if agent.process.isRunning { agent.signal(SIGKILL) } }
            // Working, with timers: the first listing (a summary), then an item found by a later poll
            // (polls run every second, each after a Task.sleep on the pool's timer).
            try await w.eventually("the first listing", timeout: .seconds(15)) { agent.text.contains("1 unread in work") }
            _ = try await w.addItems(#"[{"message":"after"}]"#)
            try await w.eventually("the polled item printed", timeout: .seconds(15)) { agent.text.contains("after") }
            let names = Self.threadNames(agent.pid)
            #expect(names.contains { $0.hasPrefix("belfry-pool-") }, "\(names)")
            // libdispatch names its global-queue workers after the queue: "com.apple.root.default-qos"
            // shows as its last 15 bytes. Overcommit ones (serial queues, not monitored) may exist.
            #expect(!names.contains { $0.hasSuffix("-qos") }, "a dispatch worker that arms the 1 Hz monitor: \(names)")
            agent.signal(SIGTERM)
            #expect(await agent.waitForExit() == 0, "\(agent.text)")
        }
    }
    #endif
}
