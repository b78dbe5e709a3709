/// What an open SSE stream is told by the rest of the emulator.
enum StreamSignal: Sendable {
    /// A new item, already rendered as SSE (`event: notification`, `id:`, `data:`).
    case event(id: String, text: String)
    case ping
    /// An `event: error` whose text echoes the stream's own credential (the `stream_error` fault).
    case error
    /// Close the connection now, in the middle of whatever is being sent.
    case drop
}

/// An open SSE connection: where to send signals, which dataset it follows, whether it is stalled.
struct StreamSubscriber: Sendable {
    var continuation: AsyncStream<StreamSignal>.Continuation
    var datasetID: String?
    var stalled: Bool
}
