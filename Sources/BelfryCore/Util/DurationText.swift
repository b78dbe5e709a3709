/// Durations as users write them in the config and on the command line: `"500ms"`, `"90s"`, `"5m"`,
/// `"24h"`, `"1d"`, and sums such as `"1h30m"`.
public enum DurationText {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public var tooLong = false
        public var description: String {
            tooLong ? "\"\(text)\" is longer than any duration Belfry takes (at most 100 years)"
                : "\"\(text)\" is not a duration (write a number and a unit: ms, s, m, h or d, e.g. \"90s\", \"5m\", \"1h30m\")"
        }
    }

    /// The longest duration accepted: enough for any setting, small enough that no arithmetic on it
    /// (deadlines, milliseconds) overflows. Larger numbers used to trap the process.
    public static let maximum: Duration = .seconds(100 * 365 * 86400)

    public static func parse(_ text: String) throws(ParseError) -> Duration {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw ParseError(text: text) }
        var total: Duration = .zero
        var digits = ""
        var unit = ""
        var sawPart = false
        func flush() throws(ParseError) {
            guard !unit.isEmpty else { throw ParseError(text: text) }
            // Digits past what Int64 holds are simply too long, not malformed.
            guard let n = Int64(digits) else { throw ParseError(text: text, tooLong: true) }
            let perUnit: Int64
            switch unit {
            case "ms": perUnit = 0
            case "s": perUnit = 1
            case "m": perUnit = 60
            case "h": perUnit = 3600
            case "d": perUnit = 86400
            default: throw ParseError(text: text)
            }
            let maxSeconds = maximum.components.seconds
            guard perUnit == 0 ? n / 1000 <= maxSeconds : n <= maxSeconds / perUnit else { throw ParseError(text: text, tooLong: true) }
            total += perUnit == 0 ? .milliseconds(n) : .seconds(n * perUnit)
            guard total <= maximum else { throw ParseError(text: text, tooLong: true) }
            digits = ""
            unit = ""
            sawPart = true
        }
        for ch in trimmed {
            if ch.isASCII, ch.isNumber {
                if !unit.isEmpty { try flush() }
                digits.append(ch)
            } else if ch.isASCII, ch.isLetter, !digits.isEmpty {
                unit.append(ch)
            } else {
                throw ParseError(text: text)
            }
        }
        try flush()
        guard sawPart else { throw ParseError(text: text) }
        return total
    }

    /// The shortest exact rendering (`"90s"` → `"1m30s"`), used in messages and `status`.
    public static func format(_ d: Duration) -> String {
        let ms = d.milliseconds
        if ms == 0 { return "0s" }
        if ms % 1000 != 0 { return "\(ms)ms" }
        var s = ms / 1000
        var out = ""
        for (unit, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60), ("s", 1)] where s >= size {
            out += "\(s / size)\(unit)"
            s %= size
        }
        return out
    }
}

extension Duration {
    /// Whole milliseconds (truncated).
    public var milliseconds: Int64 {
        let (s, atto) = components
        return s * 1000 + atto / 1_000_000_000_000_000
    }

    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
