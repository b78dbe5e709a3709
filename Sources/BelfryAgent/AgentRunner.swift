import BelfryControl
import BelfryCore
import FoundationEssentials
import Logging
import ServiceLifecycle

/// Builds the agent from a config and runs it until SIGTERM/SIGINT: feeds, the desktop event pump,
/// the outbox, the state flusher and systemd notification, as one ServiceGroup shut down in order.
public struct AgentRunner {
    public var config: BelfryConfig
    public var configPath: String
    public var sink: any DesktopSink
    public var transport: any HTTPTransport
    public var environment: [String: String]
    public var logger: Logger
    /// Extra long-running parts (the control socket) started with the agent.
    public var extraServices: [@Sendable (Agent) -> any Service] = []
    /// The wall clock, seconds since 1970: what the agent records and shows, and what quiet hours
    /// follow. Timers run on the monotonic clock whatever this says. Tests inject a jumping one.
    public var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    public init(config: BelfryConfig, configPath: String, sink: any DesktopSink, transport: any HTTPTransport,
                environment: [String: String], logger: Logger) {
        self.config = config
        self.configPath = configPath
        self.sink = sink
        self.transport = transport
        self.environment = environment
        self.logger = logger
    }

    public var statePath: String {
        config.agent.stateFile.isEmpty ? StateFile.defaultPath(environment: environment)
            : TokenLoader.expandHome(config.agent.stateFile, environment: environment)
    }

    public var controlSocketPath: String? {
        config.agent.controlSocket.isEmpty ? ControlSocketPath.default(environment: environment)
            : TokenLoader.expandHome(config.agent.controlSocket, environment: environment)
    }

    /// Takes the state lock (refusing a second agent), then runs until a shutdown signal.
    public func run() async throws {
        let prepared = try await prepare(trapSignals: true)
        try await prepared.run()
    }

    /// A built agent and its services, not yet running; the state lock is held.
    public struct Prepared: Sendable {
        public let agent: Agent
        let group: ServiceGroup
        let stateFile: StateFile
        let logger: Logger

        /// Runs until `shutdown()` (or a signal, when trapped); flushes state and releases the lock.
        public func run() async throws {
            defer { stateFile.unlock() }
            try await group.run()
            await agent.flush()
            logger.info("belfry agent stopped")
        }

        public func shutdown() async { await group.triggerGracefulShutdown() }
    }

    public func prepare(trapSignals: Bool) async throws -> Prepared {
        for w in config.warnings { logger.warning("\(w)") }
        // Icons matter only to a notification server: `--sink stdout` prints no icon.
        if !(sink is StdoutSink) { IconTheme(environment: environment).noteMissing(config, logger: logger) }
        let stateFile = StateFile(path: statePath)
        try stateFile.lock()
        let state: PersistedState
        do {
            state = try stateFile.load(warning: { [logger] in logger.warning("\($0)") })
        } catch {
            stateFile.unlock()  // a state file from a newer belfry: refused, left as it is
            throw error
        }
        let agent = Agent(config: config, sink: sink, transport: transport, stateFile: stateFile, state: state,
                          environment: environment, logger: logger, now: now)
        let (reloads, reloadContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let notifier = SystemdNotifier(environment: environment)
        let path = configPath
        let log = logger
        // Returns nil when the new config is in force, else why it was refused (the old one stays).
        let reload: @Sendable () async -> String? = {
            notifier.send("RELOADING=1", "MONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())")
            defer { notifier.send("READY=1") }
            do {
                let fresh = try ConfigLoader.load(path: path)
                await agent.apply(fresh)
                reloadContinuation.yield()
                log.info("config reloaded from \(path)")
                return nil
            } catch {
                log.error("reload refused, keeping the running config:\n\(error)")
                return "\(error)"
            }
        }
        var services: [any Service] = [
            StateFlusher(agent: agent, debounce: .milliseconds(200)),
            DesktopEventPump(agent: agent, events: sink.events),
            OutboxService(agent: agent),
            FeedSupervisor(agent: agent, reloads: reloads, environment: environment),
            SleepWatcher(agent: agent, environment: environment, logger: logger),
        ]
        if trapSignals { services.append(ReloadSignalService(reload: reload)) }
        if let path = controlSocketPath {
            do {
                services.append(try ControlServer(configuration: .init(path: path), handler: AgentControlHandler(agent: agent), logger: logger))
            } catch {
                stateFile.unlock()
                throw error
            }
        } else {
            logger.warning("no control socket: $XDG_RUNTIME_DIR is not set and [agent] control_socket is empty")
        }
        services += extraServices.map { $0(agent) }
        services.append(SystemdService(agent: agent, notifier: notifier,
                                       watchdog: SystemdNotifier.watchdogInterval(environment: environment)))
        logger.info("belfry agent started: \(config.sources.filter(\.enabled).count) source(s), state \(statePath)")
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: trapSignals ? [.sigterm, .sigint] : [],
            logger: logger))
        await agent.setReloadHandler(reload)
        return Prepared(agent: agent, group: group, stateFile: stateFile, logger: logger)
    }
}
