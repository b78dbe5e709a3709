import BelfryCore
import Logging

/// Follows one source by polling: list unread every poll_interval (or at once on `sync`), back off
/// with jitter on errors, honour Retry-After, and stop retrying on a refused token until it changes.
struct PollFeed {
    let name: String
    let interval: Duration
    let agent: Agent
    let environment: [String: String]

    /// Polls until cancelled.
    func loop() async {
        guard let wake = await agent.wake(for: name) else { return }
        var failures = 0
        while !Task.isCancelled {
            let delay = await pollOnce(failures: &failures)
            if Task.isCancelled { return }
            await wake.wait(timeout: delay)
        }
    }

    /// One poll; returns how long to wait before the next.
    func pollOnce(failures: inout Int) async -> Duration {
        do {
            let client = try await agent.client(for: name)
            let items = try await client.listUnread()
            await agent.ingest(items, source: name, complete: true)
            await agent.feedSucceeded(name, transport: "poll")
            failures = 0
            return interval
        } catch let e as ProviderError {
            switch e.kind {
            case .auth:
                await agent.authFailed(name, e.message)
                return await waitForNewToken()
            case .rateLimited(let ra):
                failures += 1
                await agent.feedFailed(name, e.message)
                return max(ra ?? .zero, Self.backoff(failures: failures, floor: interval))
            default:
                failures += 1
                await agent.feedFailed(name, e.message)
                return Self.backoff(failures: failures, floor: .seconds(1))
            }
        } catch {
            // The token could not be loaded (missing file, failing command): retried like a refusal.
            await agent.authFailed(name, "\(error)")
            return await waitForNewToken()
        }
    }

    /// After a refused token: check every 30 s whether the token file changed (or `reload`/`sync` wakes us).
    func waitForNewToken() async -> Duration {
        .seconds(30)
    }

    /// Exponential backoff with full jitter: random in [0, min(cap, floor·2^n)], at least 1 s.
    static func backoff(failures: Int, floor: Duration) -> Duration {
        let cap = 300.0
        let base = max(1.0, min(cap, max(1.0, floor.seconds / 4) * pow2(failures)))
        return .milliseconds(Int64(Double.random(in: max(1.0, base / 2)...base) * 1000))
    }

    static func pow2(_ n: Int) -> Double { Double(1 << min(max(n, 0), 20)) }
}
