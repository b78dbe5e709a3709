import BelfryCore
import Foundation

/// `belfry-bench check`: the fast paths the benchmarks led to agree with Foundation's Codable —
/// JSONValue.parse against JSONDecoder, and the state file's codec against JSONEncoder/JSONDecoder.
enum SelfCheck {
    static func run() throws {
        let samples = [
            #"{"a":1,"b":[true,false,null],"c":"x\"y\\z\/\u00e9\ud83d\ude00","d":-1.5e3,"e":{},"f":[]}"#,
            #"[0, -0, 12345678901234567890, 1.0, 3.14159, 1e-7, "", " \t\n "]"#,
            #"  "only a string"  "#, "42", #"{"k":1,"k":2}"#,
        ]
        for s in samples {
            let fast = try JSONValue.parse(s)
            let slow = try JSONDecoder().decode(JSONValue.self, from: Data(s.utf8))
            guard fast == slow else { throw BenchError("JSON differs for \(s): \(fast) vs \(slow)") }
        }
        for bad in ["{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\u{01}\"", "tru", "[1] x", "\"\\ud800\"", ""] {
            if (try? JSONValue.parse(bad)) != nil { throw BenchError("accepted invalid JSON: \(bad)") }
        }
        let scratch = try Scratch("check")
        var state = PersistedState()
        state.sources["a/b"] = SourceState(initialized: true, seen: [
            "x\"1": SeenRecord(firstSeen: 1_700_000_000.4, count: 3, read: true),
            "y/2\n": SeenRecord(firstSeen: 1_700_000_001, count: nil, read: false),
        ], lastEventID: "ev-1")
        state.sources["c"] = SourceState(initialized: false, seen: [:], lastEventID: nil)
        state.outbox = [PendingAction(id: 7, source: "a/b", kind: .markRead, ids: ["x\"1"], attempts: 2, notBefore: 5, lastError: "e")]
        let file = StateFile(path: scratch.path + "/state.json")
        try file.save(state)
        let data = FileManager.default.contents(atPath: file.path)!
        var expected = state
        expected.sources["a/b"]!.seen["x\"1"]!.firstSeen = 1_700_000_000
        let viaFoundation = try JSONDecoder().decode(PersistedState.self, from: data)
        guard viaFoundation == expected else { throw BenchError("JSONDecoder reads the new state file differently") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(state).write(to: URL(fileURLWithPath: file.path))
        let loaded = try file.load(warning: { w in print("warning: \(w)") })
        guard loaded == expected else { throw BenchError("the state codec reads a JSONEncoder file differently: \(loaded)") }
        print("check: JSON parser and state codec agree with Foundation")
    }
}
