/// Keeps one live connection for `DBusNotifications`: opens it on first use, and again (with its
/// match rules) after the bus went away, so one lost bus does not fail the sink forever.
actor SessionLink {
    private let address: String?
    private let tracker: PopupTracker
    private var current: BusConnection?
    private var currentGeneration = 0
    private var opening: Task<BusConnection, any Error>?
    private var generation = 0
    private var shutDown = false

    init(address: String?, tracker: PopupTracker) {
        self.address = address
        self.tracker = tracker
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
            task = Task { [address, tracker] in
                try await Self.open(address: address, tracker: tracker, generation: taskGeneration)
            }
            opening = task
        }
        let result = await task.result
        if opening == task {
            opening = nil
            if case .success(let connection) = result {
                current = connection
                currentGeneration = taskGeneration
            }
        }
        switch result {
        case .success(let connection):
            return (connection, taskGeneration)
        case .failure(let error as BusError):
            throw error
        case .failure(let error):
            throw BusError(.connectFailed, "\(error)")
        }
    }

    /// Forgets `connection` after it failed with `disconnected`, so the next call reconnects.
    func invalidate(_ connection: BusConnection) async {
        guard current === connection else { return }
        current = nil
        await connection.close()
    }

    func shutdown() async {
        shutDown = true
        let connection = current
        current = nil
        await connection?.close()
    }

    private static func open(address: String?, tracker: PopupTracker, generation: Int) async throws(BusError) -> BusConnection {
        let connection = if let address {
            try await BusConnection.connect(address: address)
        } else {
            try await BusConnection.connectSession()
        }
        tracker.begin(generation: generation)
        guard connection.observe({ tracker.handle($0, generation: generation) }) else {
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
