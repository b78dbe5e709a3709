/// Durations written as in Belfry's config: `500ms`, `3s`, `5m`, `1h`.
enum DurationText {
    static func parse(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, millis) in units where text.hasSuffix(suffix) {
            guard let value = Int64(text.dropLast(suffix.count)), value > 0, value < 86_400_000 else { return nil }
            return .milliseconds(value * millis)
        }
        return nil
    }
}
