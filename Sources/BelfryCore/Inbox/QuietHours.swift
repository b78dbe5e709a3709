/// A daily do-not-disturb window such as `"22:00-07:00"` (it may wrap midnight), in local time.
public struct QuietHours: Sendable, Equatable {
    /// Minutes after midnight.
    public var start: Int
    public var end: Int

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var text: String
        public var description: String { "\"\(text)\" is not a time window (write \"HH:MM-HH:MM\", e.g. \"22:00-07:00\")" }
    }

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    public static func parse(_ text: String) throws(ParseError) -> QuietHours {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let a = minutes(parts[0]), let b = minutes(parts[1]), a != b else { throw ParseError(text: text) }
        return QuietHours(start: a, end: b)
    }

    static func minutes(_ s: Substring) -> Int? {
        let hm = s.trimmingWhitespace().split(separator: ":")
        guard hm.count == 2, hm[0].count <= 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return h * 60 + m
    }

    /// True when `minuteOfDay` (local) falls inside the window.
    public func contains(minuteOfDay m: Int) -> Bool {
        start < end ? (m >= start && m < end) : (m >= start || m < end)
    }
}
