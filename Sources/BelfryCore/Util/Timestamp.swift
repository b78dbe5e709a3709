/// RFC 3339 / ISO 8601 timestamps as providers send them (`2026-02-19T10:05:12Z`,
/// `2026-05-22T08:14:32.123+02:00`), parsed without a formatter (this runs for every item).
public enum Timestamp {
    /// Seconds since the Unix epoch, or nil when `text` is not a timestamp.
    public static func parse(_ text: String) -> Double? {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                let c = b[k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = num(4), expect(45), let mo = num(2), expect(45), let d = num(2) else { return nil }
        guard (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var secs = Double(daysFromCivil(y, mo, d)) * 86400
        if i == b.count { return secs }
        guard i < b.count, b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }  // T t space
        i += 1
        guard let h = num(2), expect(58), let mi = num(2) else { return nil }
        var s = 0
        if expect(58) { guard let v = num(2) else { return nil }; s = v }
        guard h < 24, mi < 60, s < 61 else { return nil }
        secs += Double(h * 3600 + mi * 60 + s)
        if expect(46) {  // fraction
            var scale = 0.1
            var any = false
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                secs += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
                any = true
            }
            if !any { return nil }
        }
        if i == b.count { return secs }  // no zone: read as UTC
        if b[i] == 90 || b[i] == 122 { return i + 1 == b.count ? secs : nil }  // Z
        guard b[i] == 43 || b[i] == 45 else { return nil }
        let sign: Double = b[i] == 43 ? 1 : -1
        i += 1
        guard let oh = num(2) else { return nil }
        _ = expect(58)
        guard let om = num(2), i == b.count else { return nil }
        return secs - sign * Double(oh * 3600 + om * 60)
    }

    /// `2026-02-19T10:05:12Z` (UTC, whole seconds).
    public static func format(_ epoch: Double) -> String {
        let total = Int(epoch.rounded(.down))
        let days = Int((Double(total) / 86400).rounded(.down))
        let rem = total - days * 86400
        let (y, m, d) = civilFromDays(days)
        func p(_ v: Int, _ w: Int = 2) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(y, 4))-\(p(m))-\(p(d))T\(p(rem / 3600)):\(p(rem / 60 % 60)):\(p(rem % 60))Z"
    }

    // Howard Hinnant's civil-date algorithms.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
