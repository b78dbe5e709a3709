import BelfryTestSupport
import FoundationEssentials
import Testing
@testable import BelfryCore

/// A service that echoes the credential it was sent: the token never reaches an item, an error
/// message or an event, at the two places where the service's text enters (ProviderClient, SSEClient).
@Suite struct SecretRedactorTests {
    static let token = "ok_live_4f9a2c7e1b"
    static let header = "Bearer \(token)"

    @Test func replacesEachSecretLongestFirst() {
        let r = SecretRedactor([Self.token, Self.header])
        #expect(r.redact("rejected \(Self.header) (token \(Self.token))") == "rejected [redacted] (token [redacted])")
        #expect(r.redact("bearer \(Self.token)!") == "bearer [redacted]!", "the bare token, whatever surrounds it")
        #expect(r.redact("nothing here é🔔") == "nothing here é🔔")
        #expect(r.redact("\(Self.token)\(Self.token)") == "[redacted][redacted]")
        // Too short to tell from ordinary text: left alone, but the header value that carries it is not.
        let short = SecretRedactor(["abc", "Bearer abc"])
        #expect(short.redact("abc Bearer abc") == "abc [redacted]")
        #expect(SecretRedactor([]).isEmpty && SecretRedactor(["short"]).isEmpty)
    }

    @Test func redactsEveryStringOfAJSONValueAndKeysToo() throws {
        let r = SecretRedactor([Self.token])
        let v = try JSONValue.parse(#"{"items":[{"id":"1","title":"key \#(Self.token)","n":2}],"\#(Self.token)":true,"ok":"fine"}"#)
        let out = r.redact(v)
        #expect(out[path: "items.0.title"]?.string == "key [redacted]")
        #expect(out[path: "items.0.n"]?.int == 2)
        #expect(out["[redacted]"]?.bool == true)
        #expect(out["ok"]?.string == "fine")
        #expect(!out.serialized().contains(Self.token))
        let clean = try JSONValue.parse(#"{"a":["b",{"c":"d"}]}"#)
        #expect(r.redact(clean) == clean)
    }

    @Test func theRequestCarriesItsCredentialsAsSecrets() throws {
        let c = ProviderClient(source: try source(preset: "jaot"), transport: RecordingTransport { _ in json("{}") }, token: Self.token)
        let request = c.request(c.source.profile.list, id: nil, query: [:], body: nil)
        #expect(Set(request.secrets) == [Self.token, Self.header])
        let none = ProviderClient(source: try source(preset: "jaot"), transport: RecordingTransport { _ in json("{}") }, token: nil)
        #expect(none.request(c.source.profile.list, id: nil, query: [:], body: nil).secrets.isEmpty)
    }

    /// The issue's finding: a 401 `{"detail": "rejected Bearer ok_live_…"}` went into the log,
    /// `last_error` and the auth popup through the error message.
    @Test func errorBodiesThatEchoTheTokenAreRedacted() async throws {
        for status in [401, 403, 429, 500, 404] {
            let t = RecordingTransport { r in
                let sent = r.headers.first { $0.name == "Authorization" }!.value
                return json(#"{"detail":"rejected \#(sent), token \#(Self.token)"}"#, status: status)
            }
            let c = ProviderClient(source: try source(preset: "jaot"), transport: t, token: Self.token)
            do {
                _ = try await c.listUnread()
                Issue.record("a \(status) was accepted")
            } catch {
                #expect(error.message.contains("rejected [redacted], token [redacted]"), "\(status): \(error.message)")
                #expect(!error.message.contains(Self.token), "\(status)")
            }
        }
    }

    @Test func itemsHeadersAndTransportErrorsAreRedacted() async throws {
        let listing = #"{"items":[{"id":"n1","title":"your key is \#(Self.token)","message":"\#(Self.header)"}]}"#
        let t = RecordingTransport { _ in json(listing, headers: [HTTPHeader("Date", "Sun, 06 Nov 1994 08:49:37 GMT")]) }
        let c = ProviderClient(source: try source(preset: "jaot"), transport: t, token: Self.token)
        let item = try #require(try await c.listUnread().first)
        #expect(item.title == "your key is [redacted]")
        #expect(item.body == "[redacted]")

        let failing = RecordingTransport { _ in throw HTTPError(.protocolError, "server said \(Self.header)") }
        let failingClient = ProviderClient(source: try source(preset: "jaot"), transport: failing, token: Self.token)
        do {
            _ = try await failingClient.listUnread()
            Issue.record("no error")
        } catch {
            #expect(error.message.hasSuffix("server said [redacted]"), "\(error.message)")
        }
    }

    /// The stream: an `error` event that echoes the token, a `Content-Type` that echoes it (quoted in
    /// the disconnect reason), and a transport error that does.
    @Test func theEventStreamRedactsEventsHeadersAndErrors() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport(clock: clock, [
            ScriptedTransport.stream("event: error\ndata: {\"detail\":\"internal error serving \(Self.header)\"}\nid: \(Self.token)\n\n"),
            [.head(200, [HTTPHeader("Content-Type", Self.header)])],
            [.fail(HTTPError(.other, "reset by \(Self.token)"))],
        ])
        let request = HTTPRequest(url: "https://example.test/stream", headers: [HTTPHeader("Authorization", Self.header)],
                                  secrets: [Self.token, Self.header])
        let client = SSEClient(transport: transport, clock: clock, random: SeededRandom(seed: 1), makeRequest: { request })
        var seen: [SSEClientEvent] = []
        for try await event in client {
            seen.append(event)
            if seen.count == 5 { break }  // connected, the event, and three disconnects (then it would hang)
        }
        let text = seen.map { "\($0)" }.joined(separator: "\n")
        #expect(!text.contains(Self.token), "\(text)")
        #expect(seen.contains(.event(SSEEvent(type: "error", data: #"{"detail":"internal error serving [redacted]"}"#, lastEventID: "[redacted]"))))
        #expect(text.contains("not an event stream (Content-Type: [redacted])"), "\(text)")
        #expect(text.contains("reset by [redacted]"), "\(text)")
    }
}
