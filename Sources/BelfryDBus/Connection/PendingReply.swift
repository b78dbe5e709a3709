import Synchronization

/// The reply to a method call that is already on its way (`BusConnection.send`): resolved once by
/// the owner thread, awaited by any number of callers.
public final class PendingReply: Sendable {
    private struct State {
        var result: Result<[DBusValue], BusError>?
        var waiters: [CheckedContinuation<Result<[DBusValue], BusError>, Never>] = []
    }

    private let state = Mutex(State())

    /// Records the outcome and wakes every waiter; later calls are ignored.
    func resolve(_ result: Result<[DBusValue], BusError>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Result<[DBusValue], BusError>, Never>] in
            guard state.result == nil else { return [] }
            state.result = result
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// The reply's arguments, once it came; D-Bus error replies and a lost connection throw.
    public func value() async throws(BusError) -> [DBusValue] {
        if let result = state.withLock({ $0.result }) { return try result.get() }
        let result = await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Result<[DBusValue], BusError>? in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        return try result.get()
    }

    /// The outcome if the reply has come (or the call failed), without waiting.
    public var result: Result<[DBusValue], BusError>? { state.withLock { $0.result } }
}
