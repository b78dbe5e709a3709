import Testing
@testable import BelfryCore

@Test func eventDefaultsToTheMessageTypeAndNoID() {
    let event = SSEEvent(data: "x")
    #expect(event.type == "message")
    #expect(event.lastEventID == "")
    #expect(event == SSEEvent(type: "message", data: "x", lastEventID: ""))
    #expect(Set([event, SSEEvent(data: "x"), SSEEvent(type: "ping", data: "x")]).count == 2)
}
