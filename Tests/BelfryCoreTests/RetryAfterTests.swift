import FoundationEssentials
import Testing
@testable import BelfryCore

/// Sun, 06 Nov 1994 08:49:37 GMT, the example of RFC 9110.
private let now = Date(timeIntervalSince1970: 784_111_777)

@Test func deltaSeconds() {
    #expect(RetryAfter.parse("120", now: now) == .seconds(120))
    #expect(RetryAfter.parse(" 5 ", now: now) == .seconds(5))
    #expect(RetryAfter.parse("0", now: now) == .zero)
    #expect(RetryAfter.parse("99999999999999999999999999", now: now)! > .seconds(1_000_000), "saturates")
}

@Test func malformedValuesAreNil() {
    for bad in ["", " ", "-1", "1.5", "+3", "abc", "12 s", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 6 Nov 1994 08:49:37 GMT",
                "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun 06 Nov 1994 08:49:37 GMT",
                "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT"] {
        #expect(RetryAfter.parse(bad, now: now) == nil, "\(bad)")
    }
}

@Test func imfFixdate() {
    #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == .seconds(30))
    #expect(RetryAfter.parse("Mon, 07 Nov 1994 08:49:37 GMT", now: now) == .seconds(86_400))
    #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .zero)
    #expect(RetryAfter.parse("Sat, 05 Nov 1994 08:49:37 GMT", now: now) == .zero, "a past date means now")
}

@Test func imfFixdateAcrossALeapDay() {
    let leap = Date(timeIntervalSince1970: 1_709_164_800)  // Thu, 29 Feb 2024 00:00:00 GMT
    #expect(RetryAfter.parse("Fri, 01 Mar 2024 00:00:00 GMT", now: leap) == .seconds(86_400))
    #expect(RetryAfter.parse("Thu, 29 Feb 2024 00:00:10 GMT", now: leap) == .seconds(10))
}

@Test func fractionalNowRoundsUp() {
    #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:50:07 GMT", now: now.addingTimeInterval(0.25)) == .milliseconds(29_750))
}

@Test func obsoleteDateForms() {
    #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:50:07 GMT", now: now) == .seconds(30))
    #expect(RetryAfter.parse("Sun Nov  6 08:50:07 1994", now: now) == .seconds(30))
}
