import BelfryCore

/// What the control socket asks of the agent: answer a method call, and give each subscriber a
/// stream of state changes. The server owns framing, validation, `subscribe` and connections.
public protocol ControlHandler: Sendable {
    /// Answers one call. Throw `ControlError.methodNotFound(method)` for unknown methods and
    /// `.invalidParams` for bad params. Called concurrently; cancelled when the server stops.
    /// For notifications (requests without an id) the result and any error are discarded.
    func handle(method: String, params: JSONValue?) async throws(ControlError) -> JSONValue

    /// A new stream for one subscriber. Yield the current state at once, then one value per state
    /// change; each becomes an `event` notification line. The server stops iterating (which fires
    /// the stream's `onTermination`) when the client goes away; finishing the stream closes the
    /// connection. Use a bounded buffering policy: a client that does not read is dropped anyway.
    func subscribe(params: JSONValue?) async throws(ControlError) -> AsyncStream<JSONValue>
}

extension ControlHandler {
    /// By default there is nothing to subscribe to.
    public func subscribe(params: JSONValue?) async throws(ControlError) -> AsyncStream<JSONValue> {
        throw .methodNotFound("subscribe")
    }
}
