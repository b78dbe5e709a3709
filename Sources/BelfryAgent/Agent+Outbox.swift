import BelfryCore

extension Agent {
    /// Delivers due mark-read actions. A failure is kept with a growing delay and retried until it lands.
    /// Returns when the next one is due (nil: nothing pending).
    public func deliverDueActions() async -> Double? {
        for action in inbox.dueActions(now: now()) {
            guard sources[action.source] != nil else {
                inbox.actionLanded(action.id)
                continue
            }
            do {
                let client = try await client(for: action.source)
                switch action.kind {
                case .markRead: try await client.markRead(ids: action.ids)
                case .markAllRead: try await client.markAllRead()
                }
                inbox.actionLanded(action.id)
                logger.debug("\(action.source): \(action.kind.rawValue) delivered (\(action.ids.count) item(s))")
            } catch let e as ProviderError where e.kind == .unsupported {
                logger.notice("\(e.message); kept read locally")
                inbox.actionLanded(action.id)
            } catch let e as ProviderError where e.isPermanentRefusal {
                // 400/404/422…: the service will never accept this request; retrying forever helps nobody.
                logger.warning("\(action.source): \(action.kind.rawValue) refused for good (\(e.message)); kept read locally")
                inbox.actionLanded(action.id)
            } catch {
                let attempts = action.attempts + 1
                // Jitter first, then Retry-After as a floor: the jitter must never bring a retry before it.
                var delay = min(600.0, 2.0 * Double(1 << min(attempts, 9))) * Double.random(in: 0.5...1.0)
                if let e = error as? ProviderError {
                    if case .rateLimited(let ra?) = e.kind { delay = min(Inbox.maxRetryDelay, max(delay, ra.seconds)) }
                    if e.kind == .auth { dropToken(action.source) }
                }
                logger.warning("\(action.source): \(action.kind.rawValue) not delivered (attempt \(attempts)), retrying in \(Int(delay))s: \(error)")
                inbox.actionFailed(action.id, error: "\(error)", retryAt: now() + delay)
            }
        }
        stateChanged()
        return inbox.state.outbox.map(\.notBefore).min()
    }

    /// Until an action is queued, or `timeout` passes (nil: untimed, when nothing is pending; see
    /// `Wakeup.wait()`).
    public func waitForOutbox(timeout: Duration?) async {
        if let timeout { await outboxWake.wait(timeout: timeout) } else { await outboxWake.wait() }
    }
}
