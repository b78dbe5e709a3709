import BelfryCore
import Logging
import ServiceLifecycle
import UnixSignals

/// Tells systemd how the agent is doing: READY=1 once feeds are started, a STATUS line a person can
/// read in `systemctl --user status`, WATCHDOG=1 pings when the unit sets WatchdogSec, STOPPING=1.
struct SystemdService: Service {
    let agent: Agent
    let notifier: SystemdNotifier
    let watchdog: Duration?

    func run() async throws {
        guard notifier.isActive else {
            // Not started by systemd: nothing to say, but a service must live as long as the group.
            try? await gracefulShutdown()
            return
        }
        notifier.send("READY=1", "STATUS=\(await statusLine())")
        await cancelWhenGracefulShutdown {
            let period = watchdog.map { $0 / 3 } ?? .seconds(3600)
            while !Task.isCancelled {
                try? await Task.sleep(for: min(period, .seconds(60)))
                if Task.isCancelled { break }
                if watchdog != nil { notifier.send("WATCHDOG=1") }
                notifier.send("STATUS=\(await statusLine())")
            }
        }
        notifier.send("STOPPING=1")
    }

    func statusLine() async -> String {
        let status = await agent.statusJSON()
        let sources = status["sources"]?.array ?? []
        let ok = sources.filter { $0["state"]?.string == "ok" }.count
        let unread = await agent.countJSON()["total"]?.int ?? 0
        var s = "\(ok)/\(sources.count) sources ok, \(unread) unread"
        if status["paused"]?.bool == true { s += ", paused" }
        if status["notification_server"] == .null { s += ", waiting for a notification server" }
        return s
    }
}

/// SIGHUP: re-read the config (as `belfry reload` does), bracketed by RELOADING=1 / READY=1.
struct ReloadSignalService: Service {
    let reload: @Sendable () async -> String?

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals { _ = await reload() }
        }
    }
}
