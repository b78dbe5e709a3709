import FoundationEssentials

/// ISO 8601 in UTC, the way each provider prints it: whole seconds (`2026-02-19T10:05:12Z`) or with
/// milliseconds (`…12.345Z`, taskrunner and visual-layer, whose servers keep sub-second times).
enum Timestamp {
    static func format(_ date: Date, fractional: Bool = false) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: fractional))
    }

    /// Parses `2026-02-19T10:05:12Z`, with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }

    static func millis(_ date: Date) -> UInt64 {
        UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
