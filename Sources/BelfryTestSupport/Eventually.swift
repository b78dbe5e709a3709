/// Bounded waiting for tests: check, sleep a little, check again, give up at the deadline.
public enum Eventually {
    /// The first non-nil `probe()` result, or nil once `timeout` has passed.
    public static func value<T: Sendable>(
        timeout: Duration = .seconds(5), every interval: Duration = .milliseconds(10),
        _ probe: @Sendable () async -> T?
    ) async -> T? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = await probe() { return value }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: interval)
        }
    }

    /// Whether `condition` became true within `timeout`.
    public static func holds(
        timeout: Duration = .seconds(5), every interval: Duration = .milliseconds(10),
        _ condition: @Sendable () async -> Bool
    ) async -> Bool {
        await value(timeout: timeout, every: interval) { await condition() ? true : nil } ?? false
    }
}
