import BelfryCore
import Synchronization

/// Which popups a `DBusNotifications` owns, and the `events` it yields. Bus events arrive on the
/// connection's owner thread; each connection is a numbered generation so a late event from a
/// replaced connection cannot clear the new one's state.
final class PopupTracker: Sendable {
    private struct State {
        var owned: Set<UInt32> = []
        var generation = 0
        var finished = false
        /// A server was reported present on this connection (by a reconnect or a signal).
        var serverReported = false
    }

    private let state = Mutex(State())
    private let continuation: AsyncStream<DesktopEvent>.Continuation

    init(continuation: AsyncStream<DesktopEvent>.Continuation) {
        self.continuation = continuation
    }

    /// A new connection takes over: ids from before it are stale.
    func begin(generation: Int) {
        state.withLock { state in
            state.generation = generation
            state.owned.removeAll()
            state.serverReported = false
        }
    }

    /// After reconnecting: a server already there is, for us, a server that appeared.
    func reconnected(generation: Int, serverPresent: Bool) {
        state.withLock { state in
            guard state.generation == generation, serverPresent, !state.serverReported else { return }
            state.owned.removeAll()
            state.serverReported = true
            yield(.serverAppeared, state)
        }
    }

    /// At most this many ids are owned: a server that never reports popups closed (or keeps them in
    /// its history) would otherwise grow the set by every popup ever shown. Past it, the oldest
    /// tenth (lowest ids: the spec's ids count up) is forgotten, and signals about them are ignored,
    /// as the agent forgets its own oldest popups (2,000 of them) too.
    static let maxOwned = 4_000

    func own(_ id: UInt32, generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            state.owned.insert(id)
            if state.owned.count > Self.maxOwned {
                for old in state.owned.sorted().prefix(Self.maxOwned / 10) { state.owned.remove(old) }
            }
        }
    }

    var ownedCount: Int { state.withLock { $0.owned.count } }

    func owns(_ id: UInt32) -> Bool {
        state.withLock { $0.owned.contains(id) }
    }

    func handle(_ event: BusEvent, generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            switch event {
            case .disconnected:
                // The bus is gone, and with it our view of any server.
                state.owned.removeAll()
                yield(.busLost, state)
            case .signal(let signal):
                switch NotificationsProtocol.decode(signal) {
                case .ownerChanged(let hadOwner, let hasOwner):
                    // A server that appeared while a reconnect was asking whether there is one is
                    // reported once, by whichever came first; a takeover is always reported.
                    if hasOwner, !hadOwner, state.serverReported { return }
                    state.owned.removeAll()
                    state.serverReported = hasOwner
                    yield(hasOwner ? .serverAppeared : .serverVanished, state)
                case .popup(let id, let event):
                    guard state.owned.contains(id) else { return }
                    if case .closed = event { state.owned.remove(id) }
                    yield(event, state)
                case nil:
                    return
                }
            }
        }
    }

    /// Ends `events`; nothing is yielded after this.
    func finish() {
        state.withLock { state in
            state.finished = true
            state.generation = -1
        }
        continuation.finish()
    }

    /// Yielding under the lock keeps events in the order they were decided.
    private func yield(_ event: DesktopEvent, _ state: borrowing State) {
        guard !state.finished else { return }
        continuation.yield(event)
    }
}
