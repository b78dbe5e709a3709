/// At most `limit` popups per sliding `window`; the caller folds the rest into one summary popup.
public struct BurstLimiter: Sendable {
    public var limit: Int
    public var window: Double
    private var shown: [Double] = []

    public init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = window.seconds
    }

    /// Takes one slot at `now` if one is free.
    public mutating func allow(now: Double) -> Bool {
        shown.removeAll { $0 <= now - window }
        guard shown.count < limit else { return false }
        shown.append(now)
        return true
    }
}
