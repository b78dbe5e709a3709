import FoundationEssentials

/// The `Retry-After` response header (RFC 9110 §10.2.3).
public enum RetryAfter {
    /// How long to wait from `now`: `delta-seconds` (`"120"`) or an HTTP-date. IMF-fixdate
    /// (`"Sun, 06 Nov 1994 08:49:37 GMT"`) is the form servers send; the obsolete RFC 850 and asctime
    /// forms are accepted too, as RFC 9110 asks of recipients. A date in the past gives `.zero`;
    /// anything else malformed gives `nil`. Huge delta-seconds saturate; callers clamp.
    public static func parse(_ header: String, now: Date) -> Duration? {
        let value = header.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !value.isEmpty else { return nil }
        if value.count == 1, let seconds = deltaSeconds(value[0]) { return .seconds(seconds) }
        guard let epoch = httpDate(value) else { return nil }
        let wait = Double(epoch) - now.timeIntervalSince1970
        return wait > 0 ? .milliseconds(Int64((wait * 1000).rounded(.up))) : .zero
    }

    /// Seconds since 1970 of an HTTP-date (`Date` and `Retry-After` headers), nil when it is not one.
    public static func httpDate(_ header: String) -> Double? {
        let value = header.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        return httpDate(value).map(Double.init)
    }

    private static func deltaSeconds(_ s: String) -> Int64? {
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var n: Int64 = 0
        for d in s.utf8 {
            let (t, o1) = n.multipliedReportingOverflow(by: 10)
            let (u, o2) = t.addingReportingOverflow(Int64(d - 0x30))
            if o1 || o2 { return Int64.max / 1_000_000_000_000 }  // still fits a Duration
            n = u
        }
        return n
    }

    private static let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let longDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since 1970 of an HTTP-date split at spaces.
    private static func httpDate(_ t: [String]) -> Int64? {
        switch t.count {
        case 6:  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            guard t[0].hasSuffix(","), days.contains(String(t[0].dropLast())), t[5] == "GMT",
                t[1].utf8.count == 2, let day = number(t[1]), let month = months.firstIndex(of: t[2]),
                t[3].utf8.count == 4, let year = number(t[3])
            else { return nil }
            return epoch(year: year, month: month + 1, day: day, time: t[4])
        case 4:  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            let date = t[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard t[0].hasSuffix(","), longDays.contains(String(t[0].dropLast())), t[3] == "GMT",
                date.count == 3, date[0].utf8.count == 2, let day = number(date[0]),
                let month = months.firstIndex(of: date[1]), date[2].utf8.count == 2, let yy = number(date[2])
            else { return nil }
            return epoch(year: yy < 70 ? 2000 + yy : 1900 + yy, month: month + 1, day: day, time: t[2])
        case 5:  // asctime: Sun Nov  6 08:49:37 1994
            guard days.contains(t[0]), let month = months.firstIndex(of: t[1]), (1...2).contains(t[2].utf8.count),
                let day = number(t[2]), t[4].utf8.count == 4, let year = number(t[4])
            else { return nil }
            return epoch(year: year, month: month + 1, day: day, time: t[3])
        default:
            return nil
        }
    }

    private static func number(_ s: String) -> Int? {
        guard !s.isEmpty, s.utf8.count <= 9, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(s)
    }

    private static func epoch(year: Int, month: Int, day: Int, time: String) -> Int64? {
        let hms = time.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard hms.count == 3, hms.allSatisfy({ $0.utf8.count == 2 }),
            let h = number(hms[0]), let m = number(hms[1]), let s = number(hms[2]),
            h < 24, m < 60, s <= 60, (1...31).contains(day)
        else { return nil }
        // Days from the civil date (H. Hinnant's algorithm, proleptic Gregorian).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Int64(days) * 86_400 + Int64(h * 3600 + m * 60 + s)
    }
}
