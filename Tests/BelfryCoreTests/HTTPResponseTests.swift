import Testing
@testable import BelfryCore

@Test func headerLookupIsCaseInsensitiveAndTakesTheLast() {
    let r = HTTPResponse(status: 200, headers: [.init("Retry-After", "1"), .init("retry-after", "5")])
    #expect(r.header("RETRY-AFTER") == "5")
    #expect(r.header("x") == nil)
}
