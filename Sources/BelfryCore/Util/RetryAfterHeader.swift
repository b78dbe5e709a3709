/// `Retry-After` in its delta-seconds form, or an IMF-fixdate (`Wed, 21 Oct 2026 07:28:00 GMT`).
public enum RetryAfterHeader {
    public static func parse(_ value: String, now: Double) -> Duration? {
        let v = value.trimmingWhitespace()
        if let s = Int(v), s >= 0 { return .seconds(min(s, 86400)) }
        let parts = v.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let m = months.firstIndex(of: String(parts[2])) else { return nil }
        let hms = parts[4].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3 else { return nil }
        let epoch = Double(Timestamp.daysFromCivil(year, m + 1, day) * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2])
        return .milliseconds(Int64(max(0, min(epoch - now, 86400)) * 1000))
    }
}
