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

    @Test func formats() {
        #expect(DurationText.format(.seconds(90)) == "1m30s")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
        #expect(DurationText.format(.seconds(86400)) == "1d")
    }
}
