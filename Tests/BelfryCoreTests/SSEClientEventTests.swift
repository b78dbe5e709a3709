import Testing
@testable import BelfryCore

@Test func disconnectReasonsDescribeThemselves() {
    #expect(SSEDisconnectReason.status(502).description == "HTTP status 502")
    #expect(SSEDisconnectReason.notEventStream(contentType: nil).description == "not an event stream (Content-Type: none)")
    #expect(SSEDisconnectReason.notEventStream(contentType: "text/html").description.contains("text/html"))
    #expect(SSEDisconnectReason.transport(HTTPError(.timeout, "no data for 45 s")).description == "transport error: no data for 45 s")
    #expect(SSEDisconnectReason.closed.description == "the server closed the stream")
    #expect(SSEDisconnectReason.tooLarge(SSEParser.Error(.lineTooLong, limit: 8)).description.contains("maxLineBytes"))
}

@Test func clientErrorIsItsMessage() {
    let error = SSEClientError(.unauthorized, status: 401, message: "refused (HTTP 401)")
    #expect(error.description == "refused (HTTP 401)")
    #expect(error.status == 401)
    #expect(SSEClientError(.tooManyFailures, message: "m").status == nil)
}
