import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A bare TCP connection for what an HTTP client hides: SSE streams, cut bodies, hanging answers.
/// Everything received is collected as text; tests poll it with a bounded wait.
final class RawConnection: Sendable {
    private let received = NIOLockedValueBox("")
    private let ended = NIOLockedValueBox(false)

    var text: String { received.withLockedValue { $0 } }
    var isClosed: Bool { ended.withLockedValue { $0 } }

    /// Opens a connection to the emulator, sends `request` verbatim and runs `body` while reading.
    static func with(
        port: Int, request: String, _ body: (RawConnection) async throws -> Void
    ) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let connection = RawConnection()
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await buffer in inbound {
                            connection.received.withLockedValue { $0 += String(buffer: buffer) }
                        }
                    } catch {}
                    connection.ended.withLockedValue { $0 = true }
                }
                try await body(connection)
                group.cancelAll()
            }
        }
    }

    /// Waits (polling, bounded) until `condition` holds; false on timeout.
    func wait(for timeout: Duration = .seconds(5), until condition: (RawConnection) -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self)
    }

    func contains(_ text: String) -> Bool { self.text.contains(text) }

    /// The complete SSE events received so far.
    var events: [SSEEvent] { SSEEvent.parse(text) }

    /// An HTTP/1.1 request line and headers, with the bearer token unless `token` is nil.
    static func request(
        _ path: String, method: String = "GET", token: String? = "test-token", headers: [String] = []
    ) -> String {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1"]
        if let token { lines.append("Authorization: Bearer \(token)") }
        lines += headers
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }
}

/// One server-sent event as a test reads it.
struct SSEEvent: Sendable {
    var event: String
    var id: String?
    var data: String

    /// Complete events after the response head of a chunked `text/event-stream` answer.
    static func parse(_ raw: String) -> [SSEEvent] {
        guard let start = raw.range(of: "\r\n\r\n") else { return [] }
        // chunked transfer encoding: "size\r\ndata\r\n" — keep the data parts
        let parts = raw[start.upperBound...].split(separator: "\r\n", omittingEmptySubsequences: false)
        let body = parts.enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }.joined()
        var events: [SSEEvent] = []
        for block in body.split(separator: "\n\n", omittingEmptySubsequences: false).dropLast() {
            var event = SSEEvent(event: "message", id: nil, data: "")
            var data: [String] = []
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { event.event = String(line.dropFirst(7)) }
                if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
                if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            event.data = data.joined(separator: "\n")
            events.append(event)
        }
        return events
    }
}
