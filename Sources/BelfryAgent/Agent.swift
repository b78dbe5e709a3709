import BelfryCore
import FoundationEssentials
import Logging

/// The agent's single source of truth: dedup state, open popups, pending user actions, health.
/// Feeds, the desktop event pump, the outbox and the control socket all talk to it.
public actor Agent {
    public struct SourceHealth: Sendable, Equatable {
        public var state: String = "starting"   // starting | ok | error | auth-failed | disabled
        public var transport: String = "poll"   // poll | stream
        public var lastSuccess: Double?
        public var lastError: String?
    }

    struct Popup {
        var source: String
        /// The item keys this popup stands for (one, or many for a summary).
        var keys: [String]
        var link: String?
        var isSummary: Bool
    }

    /// A popup sent to the server whose id has not been recorded yet (see `launch`).
    struct InFlight {
        var pending: PendingPopup
        var popup: Popup
        var key: String
        var waiting: Waiting
    }

    enum Waiting {
        case item(Item)
        case summary(source: String, keys: [String], backlog: Bool)
    }

    /// A `pause`: until a moment on the monotonic clock (`monotonic()` seconds), or until `resume`.
    enum Pause {
        case until(Double)
        case indefinitely
    }

    let logger: Logger
    let environment: [String: String]
    /// The wall clock (seconds since 1970): what is recorded and shown (seen records, `last_success`,
    /// persisted retry times) and quiet hours. Timers (pause, burst window, outbox retries) run on
    /// the monotonic clock instead, so a wall clock that jumps moves none of them.
    let now: @Sendable () -> Double
    /// Seconds on a monotonic clock (any origin): what timers compare against. Never shown.
    let monotonic: @Sendable () -> Double
    /// Sleeps until a time on `monotonic` (the summary timer); tests inject a clock they advance.
    let sleep: @Sendable (Double) async -> Void
    let stateFile: StateFile?
    let sink: any DesktopSink
    let transport: any HTTPTransport
    public internal(set) var config: BelfryConfig
    var sources: [String: SourceConfig] = [:]
    var tokens: [String: String?] = [:]
    var inbox: Inbox
    var composer: PopupComposer
    var serverInfo: NotificationServerInfo?
    /// The session bus is lost or unreachable (warned about once, until it is back).
    var busDown = false
    /// Popups were forgotten when the server or the bus went; see `handle(.serverAppeared)`.
    var popupsDropped = false
    var limiter: BurstLimiter
    var popups: [UInt32: Popup] = [:]
    var popupByKey: [String: UInt32] = [:]
    var summaryBySource: [String: UInt32] = [:]
    var activationTokens: [UInt32: String] = [:]
    /// How the last link was opened (logged when it changes).
    var launchRoute: LaunchRoute?
    var waiting: [Waiting] = []
    /// Popups that wait for a notification server, at most; items beyond stay unread and listed.
    static let maxWaiting = 500
    /// Per source, its summary popup's updates (see `SummaryUpdate`).
    var summaryUpdates: [String: SummaryUpdate] = [:]
    var nextSummaryFlight = 0
    /// When a summary last asked the bus for a server while none was known (see `showSummary`).
    var lastSummaryProbe: Double?
    /// Popups sent but not yet answered, by send order; `inFlightByKey` maps an item to its entry.
    var inFlight: [Int: InFlight] = [:]
    var inFlightByKey: [String: Int] = [:]
    var nextFlight = 0
    /// Enough to keep the bus busy (a Notify round trip is ~0.3 ms; the agent prepares one in
    /// ~0.05 ms), small enough that waiting for them all is quick.
    static let maxInFlight = 64
    /// Popups whose actions the agent still answers (see `forgetOldestPopups`).
    static let maxPopups = 2_000
    var health: [String: SourceHealth] = [:]
    /// Per source, what the polite-polling headers said (see Agent+Polite.swift).
    var polite: [String: PoliteState] = [:]
    /// Per source, origins besides its own that may receive its token on a redirect (absolute URLs).
    var trustedOrigins: [String: [String]] = [:]
    var authWarned: Set<String> = []
    /// Per source, the listed elements already reported as unreadable: each is logged once, not per poll.
    var unreadableLogged: [String: Set<String>] = [:]
    var pause: Pause?
    var held: [Item] = []
    let outboxWake = Wakeup()
    let flushWake = Wakeup()
    var feedWakes: [String: Wakeup] = [:]
    var resumeWakes: [String: Wakeup] = [:]
    var subscribers: [Int: AsyncStream<JSONValue>.Continuation] = [:]
    var nextSubscriber = 0
    var lastItemKey: String?
    var reloadHandler: (@Sendable () async -> String?)?
    /// When each outbox action is next due, on the monotonic clock (read from the persisted wall
    /// clock time once, see `Inbox.retryDelay`).
    var outboxDue: [Int: Double] = [:]
    /// Per source, the service's time (its `Date` header) at the last listing and when that was
    /// (monotonic).
    var serviceClocks: [String: (time: Double, at: Double)] = [:]
    /// Ingests whose popups are being shown now. The state is not saved meanwhile: it already records
    /// every item of the listing as seen, and a save followed by a crash before an item's popup went
    /// out lost that item for good (found by the soak: an item posted 6 ms before a kill -9 never
    /// popped). Popups already sent are in the state journal; the rest are fetched again.
    var presenting = 0
    /// The state file write in progress (`flush`), and the keys journaled since its snapshot.
    var saving: Task<StateFile.Failure?, Never>?
    var journaledDuringSave: [String]?

    public init(config: BelfryConfig, sink: any DesktopSink, transport: any HTTPTransport, stateFile: StateFile?,
                state: PersistedState, environment: [String: String], logger: Logger,
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                monotonic: @escaping @Sendable () -> Double = Agent.continuousClock(),
                sleep: (@Sendable (Double) async -> Void)? = nil) {
        self.config = config
        self.sink = sink
        self.transport = transport
        self.stateFile = stateFile
        self.environment = environment
        self.logger = logger
        self.now = now
        self.monotonic = monotonic
        self.sleep = sleep ?? { deadline in try? await Task.sleep(for: .seconds(max(0, deadline - monotonic()))) }
        self.inbox = Inbox(state: state, maxSeen: config.agent.maxSeen)
        self.composer = PopupComposer(desktop: config.desktop, capabilities: [], icons: IconTheme(environment: environment))
        self.limiter = BurstLimiter(limit: config.desktop.burstLimit, window: config.desktop.burstWindow)
        for s in config.sources where s.enabled {
            sources[s.name] = s
            feedWakes[s.name] = Wakeup()
            health[s.name] = SourceHealth()
        }
        inbox.forgetSources(except: Set(sources.keys))
    }

    // MARK: clocks

    /// Seconds of `ContinuousClock` (which keeps counting through suspend and never jumps) since the call.
    public static func continuousClock() -> @Sendable () -> Double {
        let origin = ContinuousClock.now
        return { origin.duration(to: .now).seconds }
    }

    /// The service's time now, as last told by it and carried on by the monotonic clock; nil before
    /// it said (or when it never sends a `Date` header).
    func serviceNow(_ source: String) -> Double? {
        serviceClocks[source].map { $0.time + (monotonic() - $0.at) }
    }

    // MARK: sources and tokens

    public var enabledSources: [SourceConfig] { config.sources.filter { $0.enabled } }

    func source(_ name: String) -> SourceConfig? { sources[name] }

    /// The provider client of a source with its current token; loads the token on first use.
    public func client(for name: String) async throws(TokenLoader.Failure) -> ProviderClient {
        guard let s = sources[name] else { throw TokenLoader.Failure(message: "no source named \"\(name)\"") }
        let token: String?
        if let cached = tokens[name] {
            token = cached
        } else {
            token = try await TokenLoader.loadOffPool(s.token, source: name, environment: environment,
                                                      warn: { [logger] in logger.warning("\($0)") })
            if sources[name] != nil { tokens[name] = token }  // not if a reload removed the source meanwhile
        }
        var client = ProviderClient(source: s, transport: redirecting(for: s), token: token, now: now)
        client.validators = validators(for: name)
        return client
    }

    /// Forgets a cached token so the next call reads it again (after a refusal, on reload).
    public func dropToken(_ name: String) { tokens.removeValue(forKey: name) }

    public func wake(for name: String) -> Wakeup? { feedWakes[name] }

    // MARK: health

    func setHealth(_ name: String, _ update: (inout SourceHealth) -> Void) {
        var h = health[name] ?? SourceHealth()
        let before = h
        update(&h)
        health[name] = h
        if h.state != before.state { publish() }
    }

    public func feedSucceeded(_ name: String, transport: String) {
        authWarned.remove(name)
        setHealth(name) {
            $0.state = "ok"
            $0.transport = transport
            $0.lastSuccess = now()
            $0.lastError = nil
        }
    }

    public func feedFailed(_ name: String, _ error: String) {
        logger.warning("\(error)")
        setHealth(name) {
            $0.state = "error"
            $0.lastError = error
        }
    }

    /// Listed elements that could not be read as items (dropped alone; the rest of the listing was
    /// ingested): each is logged the first time it is seen, not on every poll. At most 1,000
    /// remembered per source; past that the memory starts again.
    public func unreadableListed(_ notes: [String], source name: String) {
        guard !notes.isEmpty else { return }
        var logged = unreadableLogged[name] ?? []
        for note in notes where logged.insert(note).inserted {
            logger.warning("source \"\(name)\": \(note)")
        }
        unreadableLogged[name] = logged.count > 1000 ? [] : logged
    }

    /// A refused token: one log line and one popup naming the source, then silence until it works again.
    public func authFailed(_ name: String, _ message: String) async {
        setHealth(name) {
            $0.state = "auth-failed"
            $0.lastError = message
        }
        dropToken(name)
        guard authWarned.insert(name).inserted else { return }
        logger.error("\(message)")
        let n = DesktopNotification(appName: composer.appName(for: sources[name]), appIcon: composer.icon(for: sources[name]),
                                    summary: "Belfry: \(name) refused its token", body: PopupComposer.clean(message, max: 300),
                                    hints: NotificationHints(urgency: 2, category: "network.error"),
                                    expireTimeout: config.desktop.expireTimeout)
        _ = try? await sink.notify(n)
    }

    // MARK: persistence

    /// Writes the state file if anything changed (after any write already in progress). A failing disk
    /// is logged and retried on the next flush.
    ///
    /// The write (encoding, fsync of the file and its folder: milliseconds, more on a busy disk) runs
    /// on a thread of its own while the agent keeps ingesting and popping: on the actor it held every
    /// streamed item back for the length of a save. Keys journaled meanwhile stay in the journal.
    public func flush() async {
        while let running = saving { _ = await running.value }
        guard inbox.dirty, presenting == 0, let stateFile else { return }
        let snapshot = inbox.state
        let taken = inbox.changeCount
        journaledDuringSave = []
        // On a thread of its own: fsync can block for long on a busy disk, which must not hold one of
        // the task pool's few threads.
        let write = Task { () -> StateFile.Failure? in
            do throws(StateFile.Failure) {
                try await DetachedThread.run(name: "belfry-save") { () throws(StateFile.Failure) in try stateFile.writeStateFile(snapshot) }
                return nil
            } catch {
                return error
            }
        }
        saving = write
        let failure = await write.value
        saving = nil
        let later = journaledDuringSave ?? []
        journaledDuringSave = nil
        if let failure {
            logger.warning("cannot save state (will retry): \(failure.message)")
            return
        }
        inbox.markClean(asOf: taken)
        do {
            try stateFile.replaceJournal(keeping: later)
        } catch {
            logger.warning("cannot rewrite the state journal (it keeps its older keys too): \(error.message)")
        }
    }

    func stateChanged() {
        if inbox.dirty { flushWake.fire() }
    }

    /// Until a change asks for a save (or the task is cancelled); untimed, see `Wakeup.wait()`.
    public func waitForFlushRequest() async {
        await flushWake.wait()
    }

    /// For tests and `status`.
    public var persisted: PersistedState { inbox.state }
    /// Whether a state file write is under way (for tests).
    public var isSaving: Bool { saving != nil }
}
