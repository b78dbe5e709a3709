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

    @Test func namesBadInput() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse("{\"a\":") }
    }
}
