import BelfryCore
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// Plays one consumed request fault (`status`, `malformed`, `truncated`, `hang`, `oversize`,
/// `echo_credential`, `raw`).
struct FaultResponder {
    let env: EmulatorEnvironment

    /// A hanging request is released after this long at most (or when the client leaves, or on stop).
    static let hangLimit: Duration = .seconds(120)
    /// Size of the `oversize` body.
    static let oversizeBytes = 20 * 1024 * 1024

    struct Cut: Error {}

    func respond(to fault: Fault, request: Request, context: EmulatorRequestContext) async throws -> Response {
        switch fault.kind {
        case .status:
            var error = APIError(kind: .fault, status: fault.status, message: "emulated fault: \(reasonPhrase(fault.status))")
            error.retryAfter = fault.retryAfter
            if fault.status == 401 { error.kind = .unauthorized }
            if fault.status == 404 { error.kind = .notFound }
            return env.api.errorResponse(error, request: request)
        case .rateLimit:
            return RateLimitFault(fault).response(env: env, request: request)
        case .echoCredential:
            // A service that repeats what it was sent: the credential in its error text and in a header.
            let credential = request.headers[.authorization] ?? ""
            var error = APIError(kind: .fault, status: fault.status, message: "credential rejected: \(credential)")
            error.retryAfter = fault.retryAfter
            var response = env.api.errorResponse(error, request: request)
            if let name = HTTPField.Name(fault.header) { response.headers[name] = credential }
            return response
        case .raw:
            return Response(status: .init(code: fault.status), headers: [.contentType: fault.contentType],
                             body: .init(byteBuffer: ByteBuffer(bytes: fault.body)))
        case .malformed:
            return rawJSON(#"{"items": [{"id": "broken", "title": "unterminated"#)
        case .truncated:
            let partial = ByteBuffer(string: #"{"items": [{"id": "cut-"#)
            let body = ResponseBody(contentLength: 4096) { writer in
                try await writer.write(partial)
                throw Cut()  // Hummingbird closes the connection when a body writer throws
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
        case .oversize:
            return oversize()
        case .hang:
            try await hang(context: context)
            throw Cut()
        case .dropStream, .stallStream, .streamError:
            return rawJSON("{}")  // not consumed here (see SSEStream)
        }
    }

    private func rawJSON(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Valid JSON of exactly `oversizeBytes`: `{"items":[],"padding":"xxxx…"}`, streamed in chunks.
    private func oversize() -> Response {
        let head = #"{"items":[],"padding":""#
        let tail = #""}"#
        let padding = Self.oversizeBytes - head.utf8.count - tail.utf8.count
        let body = ResponseBody(contentLength: Self.oversizeBytes) { writer in
            try await writer.write(ByteBuffer(string: head))
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
            var left = padding
            while left > 0 {
                let size = min(left, chunk.readableBytes)
                try await writer.write(chunk.getSlice(at: 0, length: size)!)
                left -= size
            }
            try await writer.write(ByteBuffer(string: tail))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    /// Waits without answering until the client leaves, the emulator stops, or `hangLimit` passes,
    /// then closes the connection.
    private func hang(context: EmulatorRequestContext) async throws {
        let gone = NIOLockedValueBox(false)
        await ClientGoneHandler.watch(context.channel) { gone.withLockedValue { $0 = true } }
        env.state.with { $0.hanging += 1 }
        defer { env.state.with { $0.hanging -= 1 } }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: Self.hangLimit)
        while clock.now < deadline, !gone.withLockedValue({ $0 }), !env.state.isStopping {
            try? await Task.sleep(for: .milliseconds(50))
        }
        try? await context.channel.close()
    }
}
