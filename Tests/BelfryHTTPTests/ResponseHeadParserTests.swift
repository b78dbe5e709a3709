@testable import BelfryHTTP
import BelfryCore
import Testing

struct ResponseHeadParserTests {
    @Test func interimResponsesAreDropped() {
        var parser = ResponseHeadParser()
        let lines = [
            "HTTP/1.1 100 Continue\r\n", "\r\n",
            "HTTP/1.1 429 Too Many Requests\r\n", "Retry-After:  120 \r\n", "X-Long: a\r\n", "\tb\r\n", "\r\n",
        ]
        let ends = lines.map { parser.consume($0) }
        #expect(ends == [false, true, false, false, false, false, true])
        #expect(parser.status == 429)
        #expect(parser.headers == [HTTPHeader("Retry-After", "120"), HTTPHeader("X-Long", "a b")])
    }

    @Test func http2StatusLine() {
        var parser = ResponseHeadParser()
        _ = parser.consume("HTTP/2 204 \r\n")
        _ = parser.consume("content-length: 0\r\n")
        #expect(parser.status == 204)
        #expect(parser.contentLength == 0)
    }

    @Test func errorsNameOnlyTheHost() {
        #expect(CurlTransfer.host(of: "https://user:pw@api.jaot.io:8443/v1/feed?token=abc") == "api.jaot.io:8443")
        #expect(CurlTransfer.host(of: "http://127.0.0.1:80?x=1") == "127.0.0.1:80")
    }

    @Test func durationsRoundUpToWholeMilliseconds() {
        #expect(Duration.milliseconds(300).millisecondsRoundedUp == 300)
        #expect(Duration.microseconds(1).millisecondsRoundedUp == 1)
        #expect(Duration.zero.millisecondsRoundedUp == 1)
        #expect(Duration.seconds(1) .millisecondsRoundedUp == 1000)
        #expect(Duration.seconds(Int64.max).millisecondsRoundedUp == Int(Int32.max))
    }
}
