import Synchronization

/// Keeps one live connection for `DBusNotifications`: opens it on first use, and again (with its
/// match rules) after the bus went away, so one lost bus does not fail the sink forever.
///
/// A lost bus is not left to the next call: once the connection drops (or an attempt to open one
/// fails), the link keeps trying in the background with a bounded backoff (see `Reconnect`) until
/// it is connected again or shut down. A reconnect that finds a notification server reports
/// `serverAppeared`, so whatever waited for the desktop can be shown without waiting for a new call.
actor SessionLink {
    private let address: String?
    private let tracker: PopupTracker
    /// Published on every change, with `currentGeneration` (set that first: the pair must never be
    /// seen half-changed, or a popup would be owned under the old generation and its signals lost).
    private var current: BusConnection? { didSet { publish() } }
    private var currentGeneration = 0
    /// `current` and its generation, readable without a hop onto this actor: every popup asks for
    /// the connection, and the hop (onto the link, back to the caller) was a large share of a
    /// popup's cost under load.
    private let snapshot = Mutex<(connection: BusConnection, generation: Int)?>(nil)
    private var opening: Task<BusConnection, any Error>?
    private var generation = 0
    private var shutDown = false
    /// The background reconnect loop while the bus is away.
    private var reconnecting: Task<Void, Never>?

    init(address: String?, tracker: PopupTracker) {
        self.address = address
        self.tracker = tracker
    }

    /// The live connection and its generation when there is one, without waiting for the actor;
    /// nil means "ask `connection()`", which connects.
    nonisolated var live: (BusConnection, Int)? {
        guard let (connection, generation) = snapshot.withLock({ $0 }), connection.isConnected else { return nil }
        return (connection, generation)
    }

    private func publish() {
        let value = current.map { ($0, currentGeneration) }
        snapshot.withLock { $0 = value }
    }

    /// The live connection and its generation, connecting when there is none.
    func connection() async throws(BusError) -> (BusConnection, Int) {
        if let current, current.isConnected { return (current, currentGeneration) }
        guard !shutDown else { throw BusError(.disconnected, "the notification sink was shut down") }
        let task: Task<BusConnection, any Error>
        let taskGeneration: Int
        if let opening {
            task = opening
            taskGeneration = generation
        } else {
            current = nil
            generation += 1
            taskGeneration = generation
            let lost: @Sendable (Int) -> Void = { [weak self] lostGeneration in
                Task { await self?.connectionLost(generation: lostGeneration) }
            }
            task = Task { [address, tracker] in
                try await Self.open(address: address, tracker: tracker, generation: taskGeneration, lost: lost)
            }
            opening = task
        }
        let result = await task.result
        if opening == task {
            opening = nil
            if case .success(let connection) = result {
                currentGeneration = taskGeneration
                current = connection
            }
        }
        switch result {
        case .success(let connection):
            return (connection, taskGeneration)
        case .failure(let error as BusError):
            startReconnecting()
            throw error
        case .failure(let error):
            startReconnecting()
            throw BusError(.connectFailed, "\(error)")
        }
    }

    /// Forgets `connection` after it failed with `disconnected`, so the next call reconnects.
    func invalidate(_ connection: BusConnection) async {
        guard current === connection else { return }
        current = nil
        await connection.close()
        startReconnecting()
    }

    func shutdown() async {
        shutDown = true
        reconnecting?.cancel()
        reconnecting = nil
        let connection = current
        current = nil
        await connection?.close()
    }

    // MARK: - Reconnecting

    /// How long the background loop waits before each attempt: from `first`, doubling up to `cap`,
    /// each with up to 20 % taken off at random so many clients of one restarted bus spread out.
    struct Reconnect {
        static let first: Duration = .milliseconds(250)
        static let cap: Duration = .seconds(10)

        static func delay(attempt: Int) -> Duration {
            let doubled = first * (1 << min(max(attempt, 0), 16))
            let base = min(doubled, cap)
            return base * Double.random(in: 0.8...1.0)
        }
    }

    /// The connection of `generation` ended (the bus went away, or it was closed): when it is the
    /// current one, it is forgotten and the loop starts.
    private func connectionLost(generation lostGeneration: Int) async {
        guard lostGeneration == currentGeneration, let connection = current, !connection.isConnected else { return }
        current = nil
        await connection.close()
        startReconnecting()
    }

    /// Starts the background loop unless it runs, the link is connected, or it was shut down.
    private func startReconnecting() {
        guard !shutDown, reconnecting == nil else { return }
        if let current, current.isConnected { return }
        reconnecting = Task { [weak self] in
            var attempt = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: Reconnect.delay(attempt: attempt))
                guard !Task.isCancelled, let self else { return }
                if await self.reconnectOnce() { return }
                attempt += 1
            }
        }
    }

    /// One attempt of the loop; true when it is over (connected, or shut down).
    private func reconnectOnce() async -> Bool {
        if shutDown { return true }
        do {
            _ = try await connection()
            reconnecting = nil
            return true
        } catch {
            return false
        }
    }

    private static func open(
        address: String?, tracker: PopupTracker, generation: Int, lost: @escaping @Sendable (Int) -> Void
    ) async throws(BusError) -> BusConnection {
        let connection = if let address {
            try await BusConnection.connect(address: address)
        } else {
            try await BusConnection.connectSession()
        }
        tracker.begin(generation: generation)
        let observed = connection.observe { event in
            tracker.handle(event, generation: generation)
            if case .disconnected = event { lost(generation) }
        }
        guard observed else {
            throw BusError(.disconnected, "the D-Bus connection was lost while setting up")
        }
        do throws(BusError) {
            for rule in NotificationsProtocol.matchRules { try await connection.addMatch(rule) }
            if generation > 1 {
                let present = try await connection.nameHasOwner(NotificationsProtocol.busName)
                tracker.reconnected(generation: generation, serverPresent: present)
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }
}
