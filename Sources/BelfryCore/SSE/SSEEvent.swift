/// One dispatched Server-Sent Event, as an `EventSource` would hand it to a `MessageEvent` listener.
public struct SSEEvent: Sendable, Equatable, Hashable {
    /// The `event:` field of the event, or `"message"` when it had none (or an empty one).
    public var type: String
    /// The `data:` lines joined with LF (the last LF dropped).
    public var data: String
    /// The stream's last event ID when this event was dispatched (`""` when none is known).
    public var lastEventID: String

    public init(type: String = "message", data: String, lastEventID: String = "") {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }
}
