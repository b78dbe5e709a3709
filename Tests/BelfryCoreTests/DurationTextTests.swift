import Testing
@testable import BelfryCore

@Suite struct DurationTextTests {
    @Test(arguments: [("500ms", 500), ("90s", 90_000), ("5m", 300_000), ("24h", 86_400_000), ("1h30m", 5_400_000), ("1d", 86_400_000), (" 2s ", 2000)])
    func parses(text: String, ms: Int64) throws {
        #expect(try DurationText.parse(text).milliseconds == ms)
    }

    @Test(arguments: ["", "5", "s", "5x", "-5s", "5 s", "1.5s", "ms5"])
    func refuses(text: String) {
        #expect(throws: DurationText.ParseError.self) { try DurationText.parse(text) }
    }

    /// Huge numbers trapped the process on overflow (a config value, or `belfry pause` over the
    /// control socket): they are refused with their own message instead.
    @Test(arguments: ["999999999999999999d", "99999999999999999999999s", "36501d", "3153600001s", "36500d1s", "9223372036854775807ms"])
    func refusesWhatIsTooLong(text: String) {
        #expect(throws: DurationText.ParseError(text: text, tooLong: true)) { try DurationText.parse(text) }
    }

    @Test func acceptsUpToTheMaximum() throws {
        #expect(try DurationText.parse("36500d") == DurationText.maximum)
        #expect("\(DurationText.ParseError(text: "9999999d", tooLong: true))".contains("at most 100 years"))
    }

    @Test func formats() {
        #expect(DurationText.format(.seconds(90)) == "1m30s")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
        #expect(DurationText.format(.seconds(86400)) == "1d")
    }
}
