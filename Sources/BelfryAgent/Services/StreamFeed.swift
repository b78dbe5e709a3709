import BelfryCore
import FoundationEssentials
import Logging
import Synchronization

/// Follows one source over its Server-Sent Events stream, with polling as the catch-up after every
/// (re)connect, beside the stream every poll_interval, and while the stream is down: a stream that
/// is lost with its reconnect more than a second away is polled at once, then every poll_interval
/// (as a poll feed: backing off and waiting out a Retry-After when a listing fails) until it is back,
/// so items still arrive while it backs off. `transport = "auto"` also stops trying the stream for a
/// while when it keeps failing or is not offered, polling only; `"stream"` keeps trying it.
/// Every wait is measured on `clock` (tests drive a manual one).
struct StreamFeed<C: Clock>: Sendable where C.Duration == Duration {
    let source: SourceConfig
    let stream: ProviderProfile.Stream
    let agent: Agent
    let environment: [String: String]
    let clock: C
    /// The SSE client's reconnect backoff.
    var backoff = Backoff.Policy()
    /// How long "auto" polls after the stream failed before trying it again.
    var fallbackPeriod: Duration = .seconds(300)
    /// Consecutive stream failures after which "auto" falls back to polling.
    var failuresBeforeFallback = 4

    var poller: PollFeed<C> {
        PollFeed(name: source.name, interval: source.pollInterval, agent: agent, environment: environment, clock: clock)
    }

    /// A lost stream whose reconnect is due sooner than this is not polled at once: the reconnect's
    /// catch-up poll comes soon enough (and a flapping stream costs at most one extra listing a second).
    static var reconnectSoon: Duration { .seconds(1) }

    enum Ending {
        case cancelled
        /// Poll for this long, then try the stream again (nil: poll for good).
        case fallBack(Duration?)
        case retryAfter(Duration)
    }

    func loop() async {
        while !Task.isCancelled {
            switch await follow() {
            case .cancelled:
                return
            case .retryAfter(let d):
                try? await clock.sleep(for: d)
            case .fallBack(let period):
                await agent.logFeed(source.name, period.map { "stream unavailable; polling for \(DurationText.format($0)) before trying it again" }
                    ?? "the service does not offer a stream; polling")
                await pollFor(period)
            }
        }
    }

    /// Polls every poll_interval for `period` (for ever when nil).
    func pollFor(_ period: Duration?) async {
        guard let wake = await agent.wake(for: source.name) else { return }
        let end = period.map { clock.now.advanced(by: $0) }
        var failures = 0
        while !Task.isCancelled {
            let delay = await poller.pollOnce(failures: &failures)
            if let end, clock.now.advanced(by: delay) >= end { try? await clock.sleep(until: end, tolerance: nil); return }
            await wake.wait(timeout: delay, clock: clock)
        }
    }

    /// One stream session: runs the SSE client with a periodic poll beside it until the stream ends.
    func follow() async -> Ending {
        let stamp = TokenLoader.fileStamp(source.token, environment: environment)
        let client: ProviderClient
        do {
            client = try await agent.client(for: source.name)
        } catch {
            await agent.authFailed(source.name, "\(error)")
            return .retryAfter(await poller.waitForNewToken(since: stamp))
        }
        let query = stream.endpoint.query.merging(source.query) { _, user in user }
        let request = client.request(stream.endpoint, id: nil, query: query, body: nil)
        let allowFallback = source.transport == .auto
        let config = SSEClient<C>.Configuration(
            expectedKeepAlive: stream.keepalive, backoff: backoff,
            maxConsecutiveFailures: allowFallback ? failuresBeforeFallback : nil)
        let wallClock = agent.now
        let sse = SSEClient(transport: client.transport, configuration: config, clock: clock,
                            lastEventID: await agent.lastEventID(source.name) ?? "",
                            now: { Date(timeIntervalSince1970: wallClock()) }, makeRequest: { request })
        let extractor = ItemExtractor(source: source)
        let name = source.name
        let eventType = stream.event
        let streamUp = Flag()
        let resume = await agent.resumeWake(for: name)
        let wake = await agent.wake(for: name)
        return await withTaskGroup(of: Ending?.self) { group in
            // A resume from suspend: the connection is likely dead; reconnect (and catch up) now.
            group.addTask {
                while !Task.isCancelled {
                    if await resume.wait() { return .retryAfter(.zero) }
                }
                return nil
            }
            // Read-elsewhere detection while the stream is up, and the items while it is down: every
            // poll_interval, or sooner when woken (`sync`, a lost stream); a failing listing backs off
            // and waits out a Retry-After, as a poll feed does.
            group.addTask {
                guard let wake else { return nil }
                var failures = 0
                var delay = source.pollInterval
                while !Task.isCancelled {
                    await wake.wait(timeout: delay, clock: clock)
                    if Task.isCancelled { break }
                    var p = poller
                    p.label = streamUp.value ? "stream" : "poll"
                    delay = await p.pollOnce(failures: &failures)
                }
                return nil
            }
            group.addTask {
                var failures = 0
                do {
                    for try await event in sse {
                        switch event {
                        case .connected:
                            // Items emitted during any gap: list them before trusting the stream.
                            streamUp.value = true
                            var p = poller
                            p.label = "stream"
                            _ = await p.pollOnce(failures: &failures)
                        case .event(let e):
                            if e.type == "error", eventType != "error" {
                                // The service's own word (visual-layer: "an internal error occurred"; the
                                // stream stays open). Its text arrives with the token already redacted.
                                await agent.logFeed(name, "the stream reported an error: \(PopupComposer.clean(e.data, max: 200))")
                                continue
                            }
                            guard e.type == eventType else { continue }
                            if let json = try? JSONValue.parse(e.data), let item = extractor.item(from: json) {
                                await agent.ingest([item], source: name, complete: false)
                            } else {
                                await agent.logFeed(name, "ignored a \(eventType) event without an item id")
                            }
                            if !e.lastEventID.isEmpty { await agent.setLastEventID(e.lastEventID, source: name) }
                        case .disconnected(let reason, let n, let retryIn):
                            let wasUp = streamUp.value
                            streamUp.value = false
                            await agent.feedFailed(name, "source \"\(name)\": stream dropped (\(reason)); attempt \(n), reconnecting in \(DurationText.format(retryIn))")
                            // What was cut off mid-event, and what came since the last event: poll now
                            // rather than when the reconnect comes, then every poll_interval until it does.
                            if wasUp, retryIn > Self.reconnectSoon { wake?.fire() }
                        }
                    }
                    return Task.isCancelled ? .cancelled : .retryAfter(.seconds(1))
                } catch let e as SSEClientError {
                    switch e.code {
                    case .unauthorized:
                        await agent.authFailed(name, "source \"\(name)\": the stream refused the token (\(e.status.map(String.init) ?? "?")): \(e.message); fix the token, then run `belfry reload`")
                        return .retryAfter(await poller.waitForNewToken(since: stamp))
                    case .notOffered:
                        return allowFallback ? .fallBack(nil) : .retryAfter(.seconds(300))
                    case .tooManyFailures:
                        return .fallBack(fallbackPeriod)
                    }
                } catch {
                    await agent.feedFailed(name, "source \"\(name)\": stream failed: \(error)")
                    return .retryAfter(.seconds(5))
                }
            }
            var ending: Ending = .cancelled
            for await result in group {
                if let result {
                    ending = result
                    break
                }
            }
            group.cancelAll()
            return Task.isCancelled ? .cancelled : ending
        }
    }
}

/// A boolean shared between the tasks of one stream session.
final class Flag: Sendable {
    private let state = Mutex(false)
    var value: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
