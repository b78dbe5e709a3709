import BelfryCore
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

/// A long-lived `text/event-stream` response: replayed events first (Last-Event-ID), then every new
/// item, `event: ping` every `pingInterval`; obeys the stream faults (drop, stall, error) and ends when
/// the client leaves or the emulator stops.
struct SSEStream {
    let state: EmulatorState
    let pingInterval: Duration

    struct Dropped: Error {}

    /// `replay` picks the missed events from the stored items; `fault` is a queued stream fault
    /// this request consumed (drop: answer, then cut the first event in half; stall: send nothing;
    /// error: send an `event: error` first). `credential` is the request's `Authorization` value,
    /// which `event: error` echoes.
    func response(
        channel: any Channel, datasetID: String?, fault: Fault?, credential: String?,
        replay: @escaping ([StoredItem]) -> [StreamSignal]
    ) async -> Response? {
        let (signals, continuation) = AsyncStream<StreamSignal>.makeStream()
        let subscriber = StreamSubscriber(
            continuation: continuation, datasetID: datasetID, stalled: fault?.kind == .stallStream)
        guard let key = state.openStream(subscriber, replay: replay) else { return nil }
        if fault?.kind == .streamError { continuation.yield(.error) }
        await ClientGoneHandler.watch(channel) { continuation.finish() }

        let state = self.state
        let interval = self.pingInterval
        let dropFirst = fault?.kind == .dropStream
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let body = ResponseBody { writer in
            defer { state.closeStream(key) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: interval)
                        continuation.yield(.ping)
                    }
                }
                for await signal in signals {
                    let text: String
                    switch signal {
                    case .drop:
                        throw Dropped()
                    case .event(_, let event):
                        text = event
                    case .ping:
                        text = SSEFormat.event("ping", dataText: Timestamp.format(Date(), fractional: true))
                    case .error:
                        text = SSEFormat.event("error", data: ["detail": .string("internal error while serving \(credential ?? "an anonymous caller")")])
                    }
                    if state.isStalled(key) { continue }
                    if dropFirst {
                        try await writer.write(ByteBuffer(string: String(text.prefix(max(1, text.count / 2)))))
                        throw Dropped()
                    }
                    try await writer.write(ByteBuffer(string: text))
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
