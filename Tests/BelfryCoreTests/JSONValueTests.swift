import Testing
@testable import BelfryCore

@Suite struct JSONValueTests {
    @Test func parsesAndFollowsPaths() throws {
        let v = try JSONValue.parse(#"{"items":[{"id":5001,"data":{"x":"y"},"read_at":null}],"ok":true}"#)
        #expect(v[path: "items.0.id"]?.text == "5001")
        #expect(v[path: "items.0.data.x"]?.string == "y")
        #expect(v[path: "items.0.read_at"]?.isNull == true)
        #expect(v[path: "items.1"] == nil)
        #expect(v[path: "ok"]?.bool == true)
        #expect(v[path: "."] == v)
    }

    @Test func roundTripsCompactly() throws {
        let v: JSONValue = ["a": 1, "b": [true, nil, "s"], "c": 1.5]
        #expect(v.serialized() == #"{"a":1,"b":[true,null,"s"],"c":1.5}"#)
        #expect(try JSONValue.parse(v.serialized()) == v)
    }

    /// Liberal in text: an invalid UTF-8 sequence inside a string is U+FFFD, so one item with a stray
    /// byte does not make the whole listing unreadable (it was "not valid JSON" for every poll).
    @Test func invalidUTF8InAStringBecomesTheReplacementCharacter() throws {
        func bytes(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } }
        let good = Array(#"{"items":[{"id":"a","title":"one"},{"id":"b","title":"t"#.utf8)
        let listing = bytes(good, [0xFF], Array(#"wo"},{"id":"c","title":"caf\u00e9 "#.utf8), [0xC3],
                            Array(#"","x":"\n"},{"id":"d","title":"four"}]}"#.utf8))
        let v = try JSONValue.parse(listing)
        #expect(v[path: "items"]?.array?.count == 4)
        #expect(v[path: "items.0.title"]?.string == "one")
        #expect(v[path: "items.1.title"]?.string == "t\u{FFFD}wo")
        #expect(v[path: "items.2.title"]?.string == "café \u{FFFD}", "bad bytes beside an escape")
        #expect(v[path: "items.3.title"]?.string == "four")
        // A truncated sequence, a lone continuation byte, an overlong form, a surrogate encoded in UTF-8.
        for bad: [UInt8] in [[0xE2, 0x82], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80]] {
            let text = try JSONValue.parse(bytes(Array(#"{"k"#.utf8), bad, Array(#"":"v"#.utf8), bad, Array(#""}"#.utf8)))
            let key = try #require(text.object?.keys.first)
            #expect(key.hasPrefix("k\u{FFFD}") && text.object?[key]?.string?.hasPrefix("v\u{FFFD}") == true, "\(bad)")
        }
        // Structure stays strict: a stray byte outside a string is still an error naming where.
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(bytes(Array("[1,".utf8), [0xFF], Array("]".utf8))) }
    }

    @Test func namesBadInput() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse("{\"a\":") }
    }
}
