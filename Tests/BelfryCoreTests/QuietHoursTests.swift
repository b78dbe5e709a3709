import Testing
@testable import BelfryCore

@Suite struct QuietHoursTests {
    @Test func wrapsMidnight() throws {
        let q = try QuietHours.parse("22:00-07:00")
        #expect(q.contains(minuteOfDay: 23 * 60))
        #expect(q.contains(minuteOfDay: 0))
        #expect(q.contains(minuteOfDay: 6 * 60 + 59))
        #expect(!q.contains(minuteOfDay: 7 * 60))
        #expect(!q.contains(minuteOfDay: 12 * 60))
    }

    @Test func sameDayWindow() throws {
        let q = try QuietHours.parse("12:30-13:15")
        #expect(q.contains(minuteOfDay: 12 * 60 + 30))
        #expect(!q.contains(minuteOfDay: 13 * 60 + 15))
    }

    @Test(arguments: ["", "22-07", "25:00-07:00", "22:00-22:00", "22:00"])
    func refuses(text: String) {
        #expect(throws: QuietHours.ParseError.self) { try QuietHours.parse(text) }
    }

    @Test func configRefusesABadWindowWithItsLine() {
        let errors = configErrors("[desktop]\nquiet_hours = \"late\"\n")
        #expect(errors.first?.key == "desktop.quiet_hours")
        #expect(errors.first?.line == 2)
    }
}
