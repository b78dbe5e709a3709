import BelfryCore
import BelfryDBus
import Logging
import ServiceLifecycle

/// Notices a resume from suspend, so feeds reconnect and catch up at once instead of waiting for a
/// dead connection to time out: logind's `PrepareForSleep(false)` on the system bus where there is
/// one, else a suspend seen as the gap between the continuous and the suspending clock (checked
/// once a minute of awake time).
struct SleepWatcher: Service {
    let agent: Agent
    let environment: [String: String]
    let logger: Logger

    static let rule = "type='signal',interface='org.freedesktop.login1.Manager',member='PrepareForSleep',path='/org/freedesktop/login1'"

    var systemBusAddress: String {
        environment["DBUS_SYSTEM_BUS_ADDRESS"] ?? "unix:path=/run/dbus/system_bus_socket"
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            if let bus = try? await BusConnection.connect(address: systemBusAddress) {
                do {
                    try await bus.addMatch(Self.rule)
                    logger.debug("following logind's PrepareForSleep on the system bus")
                    for await signal in bus.signals() where signal.member == "PrepareForSleep" {
                        if signal.args.first == .bool(false) { await agent.resumedFromSleep() }
                    }
                } catch {
                    logger.debug("no logind on the system bus (\(error)); watching the clocks instead")
                    await watchClocks()
                }
                await bus.close()
            } else {
                await watchClocks()
            }
        }
    }

    func watchClocks() async {
        var continuous = ContinuousClock.now
        var suspending = SuspendingClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(60), clock: .suspending)
            let c = ContinuousClock.now
            let s = SuspendingClock.now
            if Self.wasSuspended(continuous: continuous.duration(to: c), suspending: suspending.duration(to: s)) {
                await agent.resumedFromSleep()
            }
            continuous = c
            suspending = s
        }
    }

    /// The machine slept when the continuous clock ran clearly ahead of the suspending one.
    static func wasSuspended(continuous: Duration, suspending: Duration) -> Bool {
        continuous - suspending > .seconds(5)
    }
}
