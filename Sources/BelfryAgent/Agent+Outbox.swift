import BelfryCore

extension Agent {
    /// Delivers due mark-read actions. A failure is kept with a growing delay and retried until it lands.
    /// Returns how long until the next one is due (nil: nothing pending).
    ///
    /// Retry times are kept on the monotonic clock; the wall clock time persisted with each action is
    /// read only for an action not yet scheduled in this run (after a restart, or a new one), so a wall
    /// clock jump, forward or back, neither fires a retry early nor puts it off.
    public func deliverDueActions() async -> Duration? {
        for action in inbox.state.outbox where isDue(action) {
            guard sources[action.source] != nil else {
                landed(action.id)
                continue
            }
            do {
                let client = try await client(for: action.source)
                switch action.kind {
                case .markRead: try await client.markRead(ids: action.ids)
                case .markAllRead: try await client.markAllRead(newestID: action.ids.last)
                }
                landed(action.id)
                logger.debug("\(action.source): \(action.kind.rawValue) delivered (\(action.ids.count) item(s))")
            } catch let e as ProviderError where e.kind == .unsupported {
                logger.notice("\(e.message); kept read locally")
                landed(action.id)
            } catch let e as ProviderError where e.isPermanentRefusal {
                // 400/404/422…: the service will never accept this request; retrying forever helps nobody.
                logger.warning("\(action.source): \(action.kind.rawValue) refused for good (\(e.message)); kept read locally")
                landed(action.id)
            } catch {
                let attempts = action.attempts + 1
                var delay = min(600.0, 2.0 * Double(1 << min(attempts, 9))) * Double.random(in: 0.5...1.0)
                if let e = error as? ProviderError {
                    // A Retry-After replaces the backoff (its time plus a little jitter, never before it).
                    if case .rateLimited(let ra?) = e.kind {
                        var random = SystemRandomNumberGenerator()
                        delay = Backoff.honouring(ra, cap: .seconds(Inbox.maxRetryDelay), floor: .seconds(1), using: &random).seconds
                    }
                    if e.kind == .auth { dropToken(action.source) }
                }
                logger.warning("\(action.source): \(action.kind.rawValue) not delivered (attempt \(attempts)), retrying in \(Int(delay))s: \(error)")
                inbox.actionFailed(action.id, error: "\(error)", retryAt: now() + delay)
                outboxDue[action.id] = monotonic() + delay
            }
        }
        stateChanged()
        let pending = Set(inbox.state.outbox.map(\.id))
        outboxDue = outboxDue.filter { pending.contains($0.key) }  // actions of removed sources
        let next = inbox.state.outbox.compactMap { outboxDue[$0.id] }.min()
        return next.map { .milliseconds(Int64(max(0, $0 - monotonic()) * 1000)) }
    }

    /// Whether an action's retry time has come, scheduling it first if this run has not yet.
    private func isDue(_ action: PendingAction) -> Bool {
        let due: Double
        if let known = outboxDue[action.id] {
            due = known
        } else {
            due = monotonic() + Inbox.retryDelay(notBefore: action.notBefore, now: now())
            outboxDue[action.id] = due
        }
        return due <= monotonic()
    }

    private func landed(_ id: Int) {
        inbox.actionLanded(id)
        outboxDue.removeValue(forKey: id)
    }

    /// Until an action is queued, or `timeout` passes (nil: untimed, when nothing is pending; see
    /// `Wakeup.wait()`).
    public func waitForOutbox(timeout: Duration?) async {
        if let timeout { await outboxWake.wait(timeout: timeout) } else { await outboxWake.wait() }
    }
}
