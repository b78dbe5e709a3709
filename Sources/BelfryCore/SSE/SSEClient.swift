import FoundationEssentials

/// A reconnecting Server-Sent Events client over an `HTTPTransport`, as an async sequence of
/// `SSEClientEvent`s. Each iteration is one independent session: it connects, reports `.connected`,
/// the events, and `.disconnected` when the stream is lost, then reconnects after a backoff.
///
/// - Only a 200 with `Content-Type: text/event-stream` is a stream. 204 ends the sequence with
///   `SSEClientError.notOffered`, 401/403 with `.unauthorized`; anything else is retried.
/// - The delay is the backoff's (full jitter, capped), raised to the server's `retry:` when that is
///   longer. A `Retry-After` replaces it: that time plus a small jitter (see `Backoff.honouring`).
///   Both are clamped to `maxServerDelay`.
/// - `Last-Event-ID` is sent when an ID is known; a dead connection is detected by the transport's
///   idle timeout.
/// - No task is spawned: the work happens inside `next()`, so cancelling the consuming task (or
///   dropping the iterator) stops it and aborts the transfer.
/// - Time is read from `clock`, so tests run without real sleeping.
/// - What the server sends (events, header values, error texts) has the request's `secrets` redacted
///   (`SecretRedactor`) before it is handed out: a server that echoes the token leaks it nowhere.
public struct SSEClient<C: Clock>: AsyncSequence, Sendable where C.Duration == Duration {
    public typealias Element = SSEClientEvent

    public struct Configuration: Sendable {
        /// How often the server sends something (a comment, a ping) on an idle stream.
        public var expectedKeepAlive: Duration
        /// A stream silent for this long is dead; default 3 × `expectedKeepAlive`.
        public var idleTimeout: Duration
        public var backoff: Backoff.Policy
        /// The longest wait a server can ask for through `Retry-After` or `retry:`.
        public var maxServerDelay: Duration
        /// Stop with `SSEClientError.tooManyFailures` after this many consecutive failures; `nil`
        /// retries for ever (the caller can still watch `consecutiveFailures`).
        public var maxConsecutiveFailures: Int?
        public var parserLimits: SSEParser.Limits

        public init(
            expectedKeepAlive: Duration = .seconds(15), idleTimeout: Duration? = nil,
            backoff: Backoff.Policy = .init(), maxServerDelay: Duration = .seconds(3600),
            maxConsecutiveFailures: Int? = nil, parserLimits: SSEParser.Limits = .init()
        ) {
            self.expectedKeepAlive = expectedKeepAlive
            self.idleTimeout = idleTimeout ?? expectedKeepAlive * 3
            self.backoff = backoff
            self.maxServerDelay = maxServerDelay
            self.maxConsecutiveFailures = maxConsecutiveFailures
            self.parserLimits = parserLimits
        }
    }

    let transport: any HTTPTransport
    let configuration: Configuration
    let clock: C
    let lastEventID: String
    let random: any RandomNumberGenerator & Sendable
    let now: @Sendable () -> Date
    let makeRequest: @Sendable () async throws -> HTTPRequest

    /// - Parameters:
    ///   - lastEventID: an ID persisted from an earlier run, sent on the first connection.
    ///   - random: the backoff's jitter source.
    ///   - now: wall-clock time, for `Retry-After` dates.
    ///   - makeRequest: builds the request for each attempt (fresh token, query). The client adds
    ///     `Accept`, `Cache-Control` and `Last-Event-ID`. An error it throws ends the sequence.
    public init(
        transport: any HTTPTransport, configuration: Configuration = .init(), clock: C,
        lastEventID: String = "", random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        now: @escaping @Sendable () -> Date = { Date() },
        makeRequest: @escaping @Sendable () async throws -> HTTPRequest
    ) {
        self.transport = transport
        self.configuration = configuration
        self.clock = clock
        self.lastEventID = lastEventID
        self.random = random
        self.now = now
        self.makeRequest = makeRequest
    }

    public func makeAsyncIterator() -> Iterator { Iterator(client: self) }

    /// `text/event-stream`, parameters allowed, compared case-insensitively.
    static func isEventStream(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        var mediaType = contentType.prefix { $0 != ";" }
        while mediaType.first == " " || mediaType.first == "\t" { mediaType.removeFirst() }
        while mediaType.last == " " || mediaType.last == "\t" { mediaType.removeLast() }
        return mediaType.lowercased() == "text/event-stream"
    }

    public struct Iterator: AsyncIteratorProtocol {
        private typealias Parts = AsyncThrowingStream<HTTPStreamPart, any Error>.Iterator
        private enum Phase {
            case connect(after: Duration)
            case awaitingHead(Parts)
            case streaming(Parts, since: C.Instant, good: Bool)
            case terminal(SSEClientError)
            case finished
        }

        private let client: SSEClient
        private var random: any RandomNumberGenerator
        private var backoff: Backoff
        private var parser: SSEParser
        private var phase = Phase.connect(after: .zero)
        private var queue: [SSEClientEvent] = []
        private var queueHead = 0
        private var failures = 0
        /// The secrets of the current request, taken out of everything the server sends back.
        private var redactor = SecretRedactor([])

        init(client: SSEClient) {
            self.client = client
            self.random = client.random
            self.backoff = Backoff(policy: client.configuration.backoff)
            self.parser = SSEParser(limits: client.configuration.parserLimits, lastEventID: client.lastEventID)
        }

        public mutating func next() async throws -> SSEClientEvent? {
            while true {
                if Task.isCancelled { phase = .finished }
                if case .finished = phase { return nil }
                if queueHead < queue.count {
                    let event = queue[queueHead]
                    queueHead += 1
                    if queueHead == queue.count {
                        queue.removeAll(keepingCapacity: true)
                        queueHead = 0
                    }
                    return event
                }
                switch phase {
                case .finished:
                    return nil
                case .terminal(let error):
                    phase = .finished
                    throw error
                case .connect(let delay):
                    if delay > .zero {
                        do {
                            try await client.clock.sleep(until: client.clock.now.advanced(by: delay), tolerance: nil)
                        } catch {
                            phase = .finished
                            return nil
                        }
                    }
                    let request: HTTPRequest
                    do {
                        request = try await client.makeRequest()
                    } catch {
                        phase = .finished
                        if Task.isCancelled { return nil }
                        throw error
                    }
                    redactor = SecretRedactor(request.secrets)
                    let stream = client.transport.stream(
                        HTTPStreamRequest(request: prepared(request), idleTimeout: client.configuration.idleTimeout))
                    phase = .awaitingHead(stream.makeAsyncIterator())
                case .awaitingHead(var parts):
                    let part: HTTPStreamPart?
                    do {
                        part = try await parts.next()
                    } catch {
                        if !Task.isCancelled { fail(.transport(httpError(error))) }
                        continue
                    }
                    guard case .head(let status, let headers)? = part else {
                        if !Task.isCancelled {
                            fail(.protocolError(part == nil ? "no response head" : "body before the response head"))
                        }
                        continue
                    }
                    handleHead(HTTPResponse(status: status, headers: redactor.redact(headers)), parts)
                case .streaming(var parts, let since, var good):
                    let part: HTTPStreamPart?
                    do {
                        part = try await parts.next()
                    } catch {
                        if !Task.isCancelled { fail(.transport(httpError(error)), since: since, good: good) }
                        continue
                    }
                    switch part {
                    case nil:
                        if !Task.isCancelled { fail(.closed, since: since, good: good) }
                    case .head?:
                        fail(.protocolError("a second response head"), since: since, good: good)
                    case .bytes(let bytes)?:
                        do {
                            try parser.parse(bytes) { [redactor] in queue.append(.event(redactor.redact($0))) }
                        } catch let error as SSEParser.Error {
                            fail(.tooLarge(error), since: since, good: good || !queue.isEmpty)
                            continue
                        }
                        good = good || !queue.isEmpty
                        phase = .streaming(parts, since: since, good: good)
                    }
                }
            }
        }

        private mutating func handleHead(_ response: HTTPResponse, _ parts: Parts) {
            switch response.status {
            case 200:
                let contentType = response.header("Content-Type")
                if SSEClient.isEventStream(contentType) {
                    parser.finish()
                    phase = .streaming(parts, since: client.clock.now, good: false)
                    queue.append(.connected)
                } else {
                    fail(.notEventStream(contentType: contentType))
                }
            case 204:
                phase = .terminal(SSEClientError(
                    .notOffered, status: 204,
                    message: "the server answered 204 No Content: it offers no event stream here; poll instead"))
            case 401, 403:
                // A rate limit (403 with x-ratelimit-remaining: 0 or Retry-After) is retried after its reset.
                let limit = RateLimit.classify(response, detail: "", now: client.now().timeIntervalSince1970)
                if limit.isRateLimit {
                    let wait = limit.wait.map { String(Int64(Swift.min($0, RateLimit.maxWait).seconds.rounded(.up))) }
                    fail(.status(response.status), retryAfter: wait)
                    return
                }
                phase = .terminal(SSEClientError(
                    .unauthorized, status: response.status,
                    message: "the server refused the credentials (HTTP \(response.status)); not retrying"))
            default:
                fail(.status(response.status), retryAfter: response.header("Retry-After"))
            }
        }

        /// Records a lost stream, queues `.disconnected` and schedules the next attempt.
        private mutating func fail(
            _ reason: SSEDisconnectReason, retryAfter: String? = nil, since: C.Instant? = nil, good: Bool = false
        ) {
            parser.finish()
            let uptime = since.map { $0.duration(to: client.clock.now) } ?? .zero
            backoff.connectionEnded(after: uptime)
            if good || uptime >= backoff.policy.stablePeriod { failures = 0 }
            failures += 1

            let cap = client.configuration.maxServerDelay
            let delay: Duration
            if let retryAfter, let wait = RetryAfter.parse(retryAfter, now: client.now()) {
                // The server's word replaces the backoff (plus a little jitter), never stacks on it.
                delay = backoff.nextDelay(honouring: wait, cap: cap, using: &random)
            } else {
                delay = backoff.nextDelay(using: &random, atLeast: Swift.min(parser.retry ?? .zero, cap))
            }
            queue.append(.disconnected(reason, consecutiveFailures: failures, retryIn: delay))

            if let limit = client.configuration.maxConsecutiveFailures, failures >= limit {
                phase = .terminal(SSEClientError(
                    .tooManyFailures,
                    message: "the event stream failed \(failures) times in a row (last: \(reason))"))
            } else {
                phase = .connect(after: delay)
            }
        }

        private func prepared(_ request: HTTPRequest) -> HTTPRequest {
            var request = request
            let ours: Set<String> = ["accept", "cache-control", "last-event-id"]
            request.headers.removeAll { ours.contains($0.name.lowercased()) }
            request.headers.append(HTTPHeader("Accept", "text/event-stream"))
            request.headers.append(HTTPHeader("Cache-Control", "no-cache"))
            if !parser.lastEventID.isEmpty {
                request.headers.append(HTTPHeader("Last-Event-ID", parser.lastEventID))
            }
            return request
        }

        /// The transport's failure, its text redacted.
        private func httpError(_ error: any Error) -> HTTPError {
            var e = error as? HTTPError ?? HTTPError(.other, "\(error)")
            e.message = redactor.redact(e.message)
            return e
        }
    }
}

extension SSEClient where C == ContinuousClock {
    /// A client on the real clock.
    public init(
        transport: any HTTPTransport, configuration: Configuration = .init(), lastEventID: String = "",
        makeRequest: @escaping @Sendable () async throws -> HTTPRequest
    ) {
        self.init(
            transport: transport, configuration: configuration, clock: ContinuousClock(),
            lastEventID: lastEventID, makeRequest: makeRequest)
    }
}
