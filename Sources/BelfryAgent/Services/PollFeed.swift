import BelfryCore
import Logging

/// Follows one source by polling: list unread every poll_interval (or at once on `sync`), back off
/// with jitter on errors, wait as long as a Retry-After says (not longer), and stop retrying on a
/// refused token until it changes. Its waits are measured on `clock` (tests drive a manual one).
struct PollFeed<C: Clock>: Sendable where C.Duration == Duration {
    let name: String
    let interval: Duration
    let agent: Agent
    let environment: [String: String]
    let clock: C
    /// What `status` reports as this source's transport after a successful poll.
    var label = "poll"

    /// Polls until cancelled.
    func loop() async {
        guard let wake = await agent.wake(for: name) else { return }
        var failures = 0
        while !Task.isCancelled {
            let delay = await pollOnce(failures: &failures)
            if Task.isCancelled { return }
            await wake.wait(timeout: delay, clock: clock)
        }
    }

    /// One poll; returns how long to wait before the next.
    func pollOnce(failures: inout Int) async -> Duration {
        // The token file as it was before this attempt: a refusal waits until it changes.
        let stamp = TokenLoader.fileStamp(await agent.source(name)?.token, environment: environment)
        do {
            let client = try await agent.client(for: name)
            let listing = try await client.listing()
            // A 304: nothing changed, the previous listing stands (nothing ingested, nothing written).
            if !listing.head.notModified {
                await agent.ingest(listing.items, source: name, complete: listing.complete, serviceTime: listing.serviceTime,
                                   cut: !listing.complete, total: listing.total)
                await agent.unreadableListed(listing.skipped, source: name)
            }
            let next = await agent.listed(name, head: listing.head, interval: interval)
            await agent.feedSucceeded(name, transport: label)
            failures = 0
            return next
        } catch let e as ProviderError {
            switch e.kind {
            case .auth:
                await agent.authFailed(name, e.message)
                return await waitForNewToken(since: stamp)
            case .rateLimited(let ra?):
                // The service said when: that time plus a little jitter, not stacked on the backoff.
                failures += 1
                let wait = Self.honouring(ra)
                await agent.rateLimited(name, e.message, wait: wait)
                return wait
            case .rateLimited(nil):
                failures += 1
                let wait = Self.backoff(failures: failures, floor: interval)
                await agent.rateLimited(name, e.message, wait: wait)
                return wait
            default:
                failures += 1
                await agent.feedFailed(name, e.message)
                return Self.backoff(failures: failures, floor: .seconds(1))
            }
        } catch {
            // The token could not be loaded (missing file, failing command): retried like a refusal.
            await agent.authFailed(name, "\(error)")
            return await waitForNewToken(since: stamp)
        }
    }

    /// After a refused token: no retry loop. Waits until the token file changes (checked every
    /// second), `belfry sync` wakes the feed, or `tokenRetry` passes; `reload` restarts the feed anyway.
    /// Returns how long the caller still waits (zero: retry now).
    func waitForNewToken(since stamp: Int?) async -> Duration {
        guard let wake = await agent.wake(for: name) else { return Self.tokenRetry }
        let token = await agent.source(name)?.token
        let end = clock.now.advanced(by: Self.tokenRetry)
        while !Task.isCancelled, clock.now < end {
            if await wake.wait(timeout: .seconds(1), clock: clock) { return .zero }
            if case .file = token, TokenLoader.fileStamp(token, environment: environment) != stamp {
                await agent.logFeed(name, "the token file changed; trying it")
                return .zero
            }
        }
        return .zero
    }

    /// The longest a Retry-After puts a poll off (the outbox's limit too): a date far ahead, from a
    /// confused service or read against a local clock that is far behind, must not stop a feed for ever.
    static var maxRetryAfter: Duration { RateLimit.maxWait }

    /// A refused token that nothing replaced is tried again this rarely (a token_command may rotate).
    static var tokenRetry: Duration { .seconds(600) }

    /// Exponential backoff with "equal" jitter: random in [base/2, base] for base = min(300 s,
    /// max(1 s, poll interval/4)·2^n), at least 1 s. Half the wait stays fixed, so a failing source
    /// is never retried at once, and the other half spreads clients apart.
    static func backoff(failures: Int, floor: Duration) -> Duration {
        let cap = 300.0
        let base = max(1.0, min(cap, max(1.0, floor.seconds / 4) * pow2(failures)))
        return .milliseconds(Int64(Double.random(in: max(1.0, base / 2)...base) * 1000))
    }

    /// The wait a `Retry-After` asks for: its time (at most `maxRetryAfter`) plus a jitter of up to a
    /// tenth of it, between 100 ms and 1 s; at least 1 s, as any retry here.
    static func honouring(_ retryAfter: Duration) -> Duration {
        var random = SystemRandomNumberGenerator()
        return Backoff.honouring(retryAfter, cap: maxRetryAfter, floor: .seconds(1), using: &random)
    }

    static func pow2(_ n: Int) -> Double { Double(1 << min(max(n, 0), 20)) }
}
