import BelfryTestSupport
import FoundationEssentials
import Testing
@testable import BelfryCore

private typealias Step = ScriptedTransport.Step

private struct Harness {
    let clock = TestClock()
    let transport: ScriptedTransport
    let client: SSEClient<TestClock>

    init(
        _ scripts: [[Step]], configuration: SSEClient<TestClock>.Configuration = .init(),
        random: any RandomNumberGenerator & Sendable = SeededRandom(seed: 7), lastEventID: String = "",
        now: Date = Date(timeIntervalSince1970: 784_111_777),
        makeRequest: (@Sendable () async throws -> HTTPRequest)? = nil
    ) {
        transport = ScriptedTransport(clock: clock, scripts)
        client = SSEClient(
            transport: transport, configuration: configuration, clock: clock, lastEventID: lastEventID,
            random: random, now: { now },
            makeRequest: makeRequest ?? { HTTPRequest(url: "https://example.test/stream") })
    }

    /// The first `count` events.
    func take(_ count: Int) async throws -> [SSEClientEvent] {
        var out: [SSEClientEvent] = []
        guard count > 0 else { return out }
        for try await event in client {
            out.append(event)
            if out.count == count { break }
        }
        return out
    }

    /// Every event until the sequence ends, and the error it ended with.
    func run(limit: Int = 100) async -> ([SSEClientEvent], (any Error)?) {
        var out: [SSEClientEvent] = []
        do {
            for try await event in client {
                out.append(event)
                if out.count == limit { break }
            }
            return (out, nil)
        } catch {
            return (out, error)
        }
    }
}

private func failures(_ events: [SSEClientEvent]) -> [(SSEDisconnectReason, Int, Duration)] {
    events.compactMap {
        if case .disconnected(let reason, let count, let delay) = $0 { (reason, count, delay) } else { nil }
    }
}

private let connectFailure = [Step.fail(HTTPError(.connect, "connection refused"))]

@Test func streamsEventsAndSendsTheStreamHeaders() async throws {
    let h = Harness([ScriptedTransport.stream("data: a\n\nid: 7\nev", "ent: note\ndata: b\n\n")], makeRequest: {
        HTTPRequest(url: "https://example.test/stream", headers: [.init("Authorization", "Bearer t"), .init("accept", "*/*")])
    })
    let events = try await h.take(3)
    #expect(events == [.connected, .event(SSEEvent(data: "a")), .event(SSEEvent(type: "note", data: "b", lastEventID: "7"))])
    let request = try #require(h.transport.requests.first)
    #expect(request.request.headers == [.init("Authorization", "Bearer t"), .init("Accept", "text/event-stream"), .init("Cache-Control", "no-cache")])
    #expect(request.idleTimeout == .seconds(45), "3 × the default 15 s keep-alive")
}

@Test func idleTimeoutIsThreeKeepAlivesOrAsConfigured() async throws {
    let h = Harness([ScriptedTransport.stream()], configuration: .init(expectedKeepAlive: .seconds(3)))
    _ = try await h.take(1)
    #expect(h.transport.requests.first?.idleTimeout == .seconds(9))
    #expect(SSEClient<TestClock>.Configuration(idleTimeout: .seconds(100)).idleTimeout == .seconds(100))
}

@Test func reconnectSendsLastEventID() async throws {
    let h = Harness([ScriptedTransport.stream("id: 41\ndata: a\n\nid: 42\n\n"), ScriptedTransport.stream("data: b\n\n")])
    let events = try await h.take(5)
    #expect(events.first == .connected)
    #expect(failures(events).map(\.0) == [.closed])
    #expect(events.last == .event(SSEEvent(data: "b", lastEventID: "42")))
    let requests = h.transport.requests
    #expect(requests.count == 2)
    #expect(!requests[0].request.headers.contains { $0.name == "Last-Event-ID" })
    #expect(requests[1].request.headers.last == HTTPHeader("Last-Event-ID", "42"))
}

@Test func aKnownIDIsSentOnTheFirstConnection() async throws {
    let h = Harness([ScriptedTransport.stream()], lastEventID: "persisted-9")
    _ = try await h.take(1)
    #expect(h.transport.requests.first?.request.headers.last == HTTPHeader("Last-Event-ID", "persisted-9"))
}

@Test func anEmptyIDStopsSendingLastEventID() async throws {
    let h = Harness([ScriptedTransport.stream("id: 1\n\nid\n\n"), ScriptedTransport.stream()])
    _ = try await h.take(3)
    #expect(!h.transport.requests[1].request.headers.contains { $0.name == "Last-Event-ID" })
}

@Test func serverRetryIsHonouredWhenLongerThanTheBackoff() async throws {
    let h = Harness([ScriptedTransport.stream("retry: 5000\ndata: x\n\n"), ScriptedTransport.stream()])
    let events = try await h.take(4)
    #expect(failures(events).map(\.2) == [.seconds(5)])
    #expect(h.clock.sleeps == [.seconds(5)])
    #expect(events.last == .connected)
}

@Test func serverRetryShorterThanTheFloorIsRaisedToIt() async throws {
    let h = Harness([ScriptedTransport.stream("retry: 1\n\n"), ScriptedTransport.stream()], random: MinRandom())
    _ = try await h.take(3)
    #expect(h.clock.sleeps == [.milliseconds(500)])
}

@Test func serverDelaysAreClamped() async throws {
    let h = Harness([ScriptedTransport.stream("retry: 86400000\n\n")], configuration: .init(maxServerDelay: .seconds(600)))
    let events = try await h.take(2)
    #expect(failures(events).map(\.2) == [.seconds(600)])
}

@Test func backoffGrowsIsCappedAndResetsAfterAStableConnection() async throws {
    let scripts: [[Step]] = Array(repeating: connectFailure, count: 10)
        + [ScriptedTransport.stream() + [.advance(.seconds(30))]]  // up, but not stable
        + [ScriptedTransport.stream() + [.advance(.seconds(61))]]  // stable
        + [connectFailure]
    let h = Harness(scripts, random: MaxRandom())
    let events = try await h.take(15)
    let lost = failures(events)
    #expect(lost.map(\.2) == [1, 2, 4, 8, 16, 32, 64, 128, 180, 180, 180, 1, 2].map { Duration.seconds($0) })
    #expect(lost.map(\.1) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])
    #expect(h.clock.sleeps == lost.dropLast().map(\.2))
}

@Test func aConnectionThatDeliveredAnEventResetsTheFailureCount() async throws {
    let h = Harness([connectFailure, connectFailure, ScriptedTransport.stream("data: x\n\n"), connectFailure], random: MaxRandom())
    let lost = failures(try await h.take(6))
    #expect(lost.map(\.1) == [1, 2, 1, 2])
    #expect(lost.map(\.2) == [1, 2, 4, 8].map { Duration.seconds($0) }, "only a stable period resets the backoff")
}

@Test func noContentStopsWithNotOffered() async {
    let h = Harness([[.head(204, [])], ScriptedTransport.stream()])
    let (events, error) = await h.run()
    #expect(events.isEmpty)
    #expect((error as? SSEClientError)?.code == .notOffered)
    #expect((error as? SSEClientError)?.status == 204)
    #expect(h.transport.requests.count == 1)
}

@Test(arguments: [401, 403])
func authFailureStopsWithAClearMessage(status: Int) async {
    let h = Harness([[.head(status, [HTTPHeader("Content-Type", "application/json")])], ScriptedTransport.stream()])
    let (events, error) = await h.run()
    #expect(events.isEmpty)
    let failure = error as? SSEClientError
    #expect(failure?.code == .unauthorized)
    #expect(failure?.status == status)
    #expect(failure?.message.contains("HTTP \(status)") == true)
    #expect(h.transport.requests.count == 1, "no retry")
}

@Test func aWrongContentTypeIsAFailure() async throws {
    let h = Harness([ScriptedTransport.stream("data: x\n\n", contentType: "application/json"), [.head(200, [])], ScriptedTransport.stream()])
    let events = try await h.take(3)
    #expect(failures(events).map(\.0) == [.notEventStream(contentType: "application/json"), .notEventStream(contentType: nil)])
    #expect(events.last == .connected)
}

@Test func contentTypeParametersAndCaseAreAllowed() {
    #expect(SSEClient<TestClock>.isEventStream("text/event-stream"))
    #expect(SSEClient<TestClock>.isEventStream("Text/Event-Stream ; charset=utf-8"))
    #expect(!SSEClient<TestClock>.isEventStream("text/event-streamx"))
    #expect(!SSEClient<TestClock>.isEventStream("text/plain; x=text/event-stream"))
    #expect(!SSEClient<TestClock>.isEventStream(nil))
}

@Test func otherStatusesAreRetried() async throws {
    let h = Harness([[.head(500, [])], [.head(404, [])], ScriptedTransport.stream()])
    let events = try await h.take(3)
    #expect(failures(events).map(\.0) == [.status(500), .status(404)])
    #expect(events.last == .connected)
}

@Test func retryAfterSecondsIsHonoured() async throws {
    let h = Harness([[.head(503, [HTTPHeader("Retry-After", "30")])], ScriptedTransport.stream()], random: MaxRandom())
    let events = try await h.take(2)
    #expect(failures(events).map(\.2) == [.seconds(31)], "30 s and at most 1 s of jitter")
    #expect(h.clock.sleeps == [.seconds(31)])
}

@Test func retryAfterDateIsHonoured() async throws {
    // `now` is Sun, 06 Nov 1994 08:49:37 GMT.
    let h = Harness([[.head(429, [HTTPHeader("Retry-After", "Sun, 06 Nov 1994 08:51:37 GMT")])], ScriptedTransport.stream()],
                    random: MinRandom())
    let events = try await h.take(2)
    #expect(failures(events).map(\.2).allSatisfy { $0 >= .seconds(120) && $0 <= .seconds(121) })
}

@Test func aRetryAfterAfterSeveralFailuresIsNotStackedOnTheBackoff() async throws {
    // Four failures grow the backoff's ceiling to 16 s; the service then says 2 s, and 2 s it is.
    let h = Harness(Array(repeating: [Step.head(503, [])], count: 4)
                        + [[.head(429, [HTTPHeader("Retry-After", "2")])], ScriptedTransport.stream()],
                    random: MaxRandom())
    let lost = failures(try await h.take(5))
    #expect(lost.map(\.2) == [1, 2, 4, 8].map { Duration.seconds($0) } + [.milliseconds(2200)])
}

@Test func aRateLimited403IsRetriedAfterTheResetNotRefused() async throws {
    // `now` is 784_111_777: the limit resets 90 s later.
    let h = Harness([[.head(403, [HTTPHeader("x-ratelimit-remaining", "0"), HTTPHeader("x-ratelimit-reset", "784111867")])],
                     ScriptedTransport.stream()])
    let events = try await h.take(2)
    #expect(failures(events).map(\.0) == [.status(403)])
    // The reset's 90 s plus the small jitter a named time gets (at most 1 s), never before it.
    let waits = failures(events).map(\.2)
    #expect(waits.count == 1 && waits.allSatisfy { $0 >= .seconds(90) && $0 <= .seconds(91) }, "\(waits)")
    #expect(events.last == .connected)
}

@Test func transportErrorsAndIdleTimeoutsAreRetried() async throws {
    let timeout = HTTPError(.timeout, "no data for 45 s")
    let h = Harness([ScriptedTransport.stream("data: a\n\n") + [.fail(timeout)], connectFailure, ScriptedTransport.stream()])
    let events = try await h.take(5)
    #expect(failures(events).map(\.0) == [.transport(timeout), .transport(HTTPError(.connect, "connection refused"))])
    #expect(events.last == .connected)
}

@Test func aPartialEventIsDiscardedWhenTheStreamBreaks() async throws {
    let h = Harness([ScriptedTransport.stream("data: half"), ScriptedTransport.stream("\n\ndata: whole\n\n")])
    let events = try await h.take(4)
    #expect(events.last == .event(SSEEvent(data: "whole")))
}

@Test func anOversizedEventIsAFailure() async throws {
    let limits = SSEParser.Limits(maxLineBytes: 64, maxEventDataBytes: 8)
    let h = Harness([ScriptedTransport.stream("data: ok\n\ndata: far too long\n\n"), ScriptedTransport.stream()],
                    configuration: .init(parserLimits: limits))
    let events = try await h.take(4)
    #expect(events[1] == .event(SSEEvent(data: "ok")))
    #expect(failures(events).map(\.0) == [.tooLarge(SSEParser.Error(.eventTooLarge, limit: 8))])
}

@Test func transportContractBreachesAreFailures() async throws {
    let h = Harness([[.bytes([0x0A])], [], ScriptedTransport.stream()])
    let events = try await h.take(3)
    #expect(failures(events).map(\.0) == [.protocolError("body before the response head"), .protocolError("no response head")])
}

@Test func tooManyConsecutiveFailuresStop() async {
    let h = Harness(Array(repeating: connectFailure, count: 5), configuration: .init(maxConsecutiveFailures: 3))
    let (events, error) = await h.run()
    #expect(failures(events).map(\.1) == [1, 2, 3])
    #expect((error as? SSEClientError)?.code == .tooManyFailures)
    #expect(h.transport.requests.count == 3)
}

@Test func aRequestFactoryErrorEndsTheSequence() async {
    struct NoToken: Error {}
    let h = Harness([], makeRequest: { throw NoToken() })
    let (events, error) = await h.run()
    #expect(events.isEmpty)
    #expect(error is NoToken)
}

@Test func chunksSplitAnywhereYieldTheSameEvents() async throws {
    let text = "\u{FEFF}: hi\r\nid: 1\r\nevent: n\r\ndata: é€😀\r\n\r\ndata: a\rdata: b\r\r"
    let bytes = Array(text.utf8)
    let expected: [SSEClientEvent] = [.connected, .event(SSEEvent(type: "n", data: "é€😀", lastEventID: "1")),
                                      .event(SSEEvent(data: "a\nb", lastEventID: "1"))]
    for cut in 0...bytes.count {
        let h = Harness([[.head(200, [HTTPHeader("content-type", "text/event-stream")]),
                          .bytes(Array(bytes[..<cut])), .bytes(Array(bytes[cut...]))]])
        #expect(try await h.take(3) == expected, "cut at \(cut)")
    }
    let h = Harness([[.head(200, [HTTPHeader("content-type", "text/event-stream")])] + bytes.map { .bytes([$0]) }])
    #expect(try await h.take(3) == expected, "byte by byte")
}

@Test(.timeLimit(.minutes(1)))
func cancellationStopsPromptly() async throws {
    let h = Harness([ScriptedTransport.stream("data: a\n\n") + [.hang]])
    let (connected, signal) = AsyncStream.makeStream(of: Void.self)
    let client = h.client
    let consumer = Task {
        var count = 0
        for try await event in client {
            count += 1
            if case .event = event { signal.yield() }
        }
        return count
    }
    var iterator = connected.makeAsyncIterator()
    await iterator.next()
    let started = ContinuousClock.now
    consumer.cancel()
    let count = try await consumer.value
    #expect(count == 2)
    #expect(started.duration(to: .now) < .seconds(2))
    #expect(h.transport.requests.count == 1)
}

/// Issue 14, finding 4 for streams: invalid UTF-8 in an event's data (bytes cut anywhere) is decoded
/// with U+FFFD, not a failure, and the item in it is still read.
@Test func invalidUTF8InEventDataIsReplacedAndTheItemStillRead() async throws {
    let head = ScriptedTransport.Step.head(200, [HTTPHeader("Content-Type", "text/event-stream")])
    let data = Array("event: notification\nid: 1\ndata: {\"id\":\"n1\",\"message\":\"bad ".utf8) + [0xFF, 0xE2, 0x82]
        + Array(" end\",\"created_at\":\"2026-01-01T00:00:00Z\"}\n\n".utf8)
    let h = Harness([[head, .bytes(Array(data[..<50])), .bytes(Array(data[50...]))]])
    let events = try await h.take(2)
    guard case .event(let event) = events.last else {
        Issue.record("no event: \(events)")
        return
    }
    #expect(event.data.contains("bad \u{FFFD}\u{FFFD} end"))
    let json = try JSONValue.parse(event.data)
    let item = try #require(ItemExtractor(source: try source(preset: "visual-layer")).item(from: json))
    #expect(item.id == "n1")
    #expect(item.body == "bad \u{FFFD}\u{FFFD} end")
}
