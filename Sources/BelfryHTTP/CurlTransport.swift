public import BelfryCore
internal import CCurl

/// `curl_global_init`, run once per process by whoever needs libcurl first (a thread-safe lazy global).
private let globalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// The agent's `HTTPTransport`: libcurl driven by one dedicated thread per transport (a
/// `curl_multi` loop), so no blocking call ever runs on Swift's cooperative thread pool.
///
/// Every transfer verifies TLS, speaks only http/https, never follows redirects (a token must not
/// reach another host), accepts compressed bodies and identifies as `belfry/0.1`. Dropping the
/// transport ends its transfers in flight with `HTTPError.Code.cancelled`.
public final class CurlTransport: HTTPTransport {
    private let loop: CurlLoop

    /// Initialises libcurl. Call once at start, before other threads exist (older libcurl builds
    /// are not thread-safe here); later calls do nothing. `init()` calls it too.
    public static func globalInit() throws(HTTPError) {
        guard globalInitResult == CURLE_OK else {
            throw CurlErrorMapping.httpError(
                .easy(globalInitResult), host: nil, detail: "", during: "initialising libcurl")
        }
    }

    /// Starts the transport's libcurl thread (it sleeps while nothing is in flight).
    public init() throws(HTTPError) {
        try Self.globalInit()
        loop = try CurlLoop()
    }

    deinit {
        loop.shutdown()
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = try CurlTransfer(request: request, idleTimeout: nil)
        let loop = self.loop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.deliver(to: .response(continuation))
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
    }

    public func stream(_ request: HTTPStreamRequest) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: HTTPStreamPart.self)
        let transfer: CurlTransfer
        do {
            transfer = try CurlTransfer(request: request.request, idleTimeout: request.idleTimeout)
        } catch {
            continuation.finish(throwing: error)
            return stream
        }
        transfer.deliver(to: .stream(continuation))
        let loop = self.loop
        continuation.onTermination = { termination in
            if case .cancelled = termination { loop.cancel(transfer) }
        }
        loop.submit(transfer)
        return stream
    }
}
