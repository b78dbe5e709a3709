import BelfryCore
import BelfryHTTP
import Hummingbird
import Testing

@Suite("CurlTransport.stream", .timeLimit(.minutes(1)))
struct CurlTransportStreamTests {
    private static func eventStream(_ write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void)
        -> Hummingbird.Response
    {
        Hummingbird.Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init(write))
    }

    @Test func headThenChunksInOrderWhileTheServerIsStillSending() async throws {
        let (go, goContinuation) = AsyncStream.makeStream(of: Void.self)
        let router = Router()
        router.get("/events") { _, _ in
            Self.eventStream { writer in
                try await writer.write(ByteBuffer(string: "data: one\n\n"))
                // The second event is written only after the client has seen the first one.
                for await _ in go { break }
                try await writer.write(ByteBuffer(string: "data: two\n\n"))
                try await writer.finish(nil)
            }
        }
        let transport = try CurlTransport()
        let parts = try await withServer(router) { base in
            var parts: [HTTPStreamPart] = []
            var received: [UInt8] = []
            let request = HTTPStreamRequest(request: Request(url: base + "/events"), idleTimeout: .seconds(5))
            for try await part in transport.stream(request) {
                parts.append(part)
                if case .bytes(let bytes) = part {
                    received += bytes
                    if received.text == "data: one\n\n" { goContinuation.yield() }
                }
            }
            return parts
        }
        guard case .head(let status, let headers) = parts.first else {
            Issue.record("first part is not the head: \(parts)")
            return
        }
        #expect(status == 200)
        #expect(Response(status: status, headers: headers).header("content-type") == "text/event-stream")
        #expect(parts.headCount == 1)
        #expect(parts.body.text == "data: one\n\ndata: two\n\n")
    }

    @Test func silentStreamFailsWithIdleTimeout() async throws {
        let router = Router()
        router.get("/stall") { _, _ in
            Self.eventStream { writer in
                try await writer.write(ByteBuffer(string: ": hello\n\n"))
                try await Task.sleep(for: .seconds(30))
                try await writer.finish(nil)
            }
        }
        let transport = try CurlTransport()
        let (parts, error) = try await withServer(router) { base in
            var parts: [HTTPStreamPart] = []
            let request = HTTPStreamRequest(request: Request(url: base + "/stall"), idleTimeout: .seconds(1))
            let error = await transportError {
                for try await part in transport.stream(request) { parts.append(part) }
            }
            return (parts, error)
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("idle") == true)
        guard case .head(let status, _) = parts.first else {
            Issue.record("no head before the timeout: \(parts)")
            return
        }
        #expect(status == 200)
    }

    /// The idle limit counts from the last byte, not from the start: a stream that trickles a
    /// comment every 200 ms for 7.2 s outlives an idle limit of 5 s and ends normally (the margin
    /// is wide because the suite runs every test at once on a 2-core machine: a 2 s limit against
    /// 200 ms pings saw a gap of over 2 s there).
    @Test func tricklingStreamIsNotIdle() async throws {
        let router = Router()
        router.get("/trickle") { _, _ in
            Self.eventStream { writer in
                for _ in 0..<36 {
                    try await writer.write(ByteBuffer(string: ": ping\n\n"))
                    try await Task.sleep(for: .milliseconds(200))
                }
                try await writer.write(ByteBuffer(string: "data: end\n\n"))
                try await writer.finish(nil)
            }
        }
        let transport = try CurlTransport()
        let (parts, error) = try await withServer(router) { base in
            var parts: [HTTPStreamPart] = []
            let request = HTTPStreamRequest(request: Request(url: base + "/trickle"), idleTimeout: .seconds(5))
            let error = await transportError {
                for try await part in transport.stream(request) { parts.append(part) }
            }
            return (parts, error)
        }
        #expect(error == nil)
        #expect(parts.body.text.hasSuffix("data: end\n\n"))
    }

    /// A stream that writes a small event every 20 ms (for at most 10 s) and reports on `outcome`
    /// whether the client went away ("closed") or it ran to the end ("completed").
    private static func endlessRouter(outcome: AsyncStream<String>.Continuation) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/endless") { _, _ in
            Self.eventStream { writer in
                do {
                    for _ in 0..<500 {
                        try await writer.write(ByteBuffer(string: "data: tick\n\n"))
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    try await writer.finish(nil)
                    outcome.yield("completed")
                } catch {
                    outcome.yield("closed")
                    throw error
                }
            }
        }
        return router
    }

    @Test func leavingTheLoopClosesTheConnection() async throws {
        let (outcomes, outcome) = AsyncStream.makeStream(of: String.self)
        let transport = try CurlTransport()
        let serverSaw = try await withServer(Self.endlessRouter(outcome: outcome)) { base in
            let request = HTTPStreamRequest(request: Request(url: base + "/endless"), idleTimeout: .seconds(5))
            for try await part in transport.stream(request) {
                if case .bytes = part { break }
            }
            for await seen in outcomes { return seen }
            return "nothing"
        }
        #expect(serverSaw == "closed")
    }

    @Test func cancellingTheConsumerClosesTheConnection() async throws {
        let (outcomes, outcome) = AsyncStream.makeStream(of: String.self)
        let (firstBytes, firstBytesSeen) = AsyncStream.makeStream(of: Void.self)
        let transport = try CurlTransport()
        let (serverSaw, consumerError) = try await withServer(Self.endlessRouter(outcome: outcome)) { base in
            let request = HTTPStreamRequest(request: Request(url: base + "/endless"), idleTimeout: .seconds(5))
            let consumer = Task {
                await transportError {
                    for try await part in transport.stream(request) {
                        if case .bytes = part { firstBytesSeen.yield() }
                    }
                }
            }
            for await _ in firstBytes { break }
            consumer.cancel()
            let consumerError = await consumer.value
            for await seen in outcomes { return (seen, consumerError) }
            return ("nothing", consumerError)
        }
        #expect(serverSaw == "closed")
        // A cancelled consumer's loop ends, either quietly or with the transfer's `.cancelled`
        // (depending on whether the stream saw the cancellation or the transport's answer first).
        #expect(consumerError == nil || consumerError?.code == .cancelled)
    }

    @Test func noContentYieldsHeadThenFinishes() async throws {
        let router = Router()
        router.get("/none") { _, _ in Hummingbird.Response(status: .noContent) }
        let transport = try CurlTransport()
        let parts = try await withServer(router) { base in
            var parts: [HTTPStreamPart] = []
            let request = HTTPStreamRequest(request: Request(url: base + "/none"), idleTimeout: .seconds(5))
            for try await part in transport.stream(request) { parts.append(part) }
            return parts
        }
        #expect(parts.count == 1)
        guard case .head(let status, _) = parts.first else {
            Issue.record("expected a head: \(parts)")
            return
        }
        #expect(status == 204)
    }

    @Test func errorStatusBodyIsDelivered() async throws {
        let router = Router()
        router.get("/down") { _, _ in
            Hummingbird.Response(
                status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "down for maintenance")))
        }
        let transport = try CurlTransport()
        let parts = try await withServer(router) { base in
            var parts: [HTTPStreamPart] = []
            let request = HTTPStreamRequest(request: Request(url: base + "/down"), idleTimeout: .seconds(5))
            for try await part in transport.stream(request) { parts.append(part) }
            return parts
        }
        guard case .head(let status, let headers) = parts.first else {
            Issue.record("expected a head: \(parts)")
            return
        }
        #expect(status == 503)
        #expect(Response(status: status, headers: headers).header("content-type") == "text/plain")
        #expect(parts.headCount == 1)
        #expect(parts.body.text == "down for maintenance")
    }

    @Test func refusedStreamThrowsConnect() async throws {
        let closed = try RawSocket(listen: false)
        closed.close()
        let transport = try CurlTransport()
        let request = HTTPStreamRequest(request: Request(url: "http://127.0.0.1:\(closed.port)/"), idleTimeout: .seconds(5))
        var parts: [HTTPStreamPart] = []
        let error = await transportError {
            for try await part in transport.stream(request) { parts.append(part) }
        }
        #expect(error?.code == .connect)
        #expect(parts.isEmpty)
    }
}
