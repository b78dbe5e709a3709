import Synchronization

/// What observers of a connection hear, on the owner thread.
enum BusEvent: Sendable {
    case signal(DBusSignal)
    /// The connection ended (bus gone or closed); nothing follows.
    case disconnected
}

typealias MethodHandler = @Sendable (DBusMethodCall) async -> DBusReply

/// Who gets incoming signals and method calls. Shared between the façade (registering) and the
/// owner thread (delivering); observers run on the owner thread and must not block.
final class Router: Sendable {
    private struct HandlerKey: Hashable {
        var path: String
        var interface: String
    }

    private struct State {
        var observers: [Int: @Sendable (BusEvent) -> Void] = [:]
        var nextObserverID = 1
        var handlers: [HandlerKey: MethodHandler] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Registers an observer; nil if the connection already ended (the observer is not kept).
    func addObserver(_ observer: @escaping @Sendable (BusEvent) -> Void) -> Int? {
        state.withLock { state in
            guard !state.closed else { return nil }
            let id = state.nextObserverID
            state.nextObserverID += 1
            state.observers[id] = observer
            return id
        }
    }

    func removeObserver(_ id: Int) {
        _ = state.withLock { $0.observers.removeValue(forKey: id) }
    }

    func deliver(_ signal: DBusSignal) {
        let observers = state.withLock { Array($0.observers.values) }
        for observer in observers { observer(.signal(signal)) }
    }

    /// Marks the connection ended and tells every observer once.
    func close() {
        let observers = state.withLock { state in
            state.closed = true
            let observers = Array(state.observers.values)
            state.observers.removeAll()
            state.handlers.removeAll()
            return observers
        }
        for observer in observers { observer(.disconnected) }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    func setHandler(path: String, interface: String, _ handler: MethodHandler?) {
        state.withLock { $0.handlers[HandlerKey(path: path, interface: interface)] = handler }
    }

    func handler(path: String, interface: String) -> MethodHandler? {
        state.withLock { $0.handlers[HandlerKey(path: path, interface: interface)] }
    }
}
