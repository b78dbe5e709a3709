import FoundationEssentials

/// The state file's JSON, written and read by hand for the seen map (up to `max_seen` records per
/// source; in dictionary order, since sorting 100,000 keys costs more than the rest) and through Codable for the small rest (the outbox). Same text as `JSONEncoder` with
/// sorted keys produced, same acceptance as `JSONDecoder`; about 20x faster at 100,000 keys, which
/// is what keeps a save under the debounce interval (BENCHMARKS.md).
enum StateCodec {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func encode(_ state: PersistedState) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + state.sources.values.reduce(0) { $0 + $1.seen.count * 48 })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        out.append(contentsOf: #"{"outbox":"#.utf8)
        out += Array(try encoder.encode(state.outbox))
        out.append(contentsOf: #","sources":{"#.utf8)
        for (n, name) in state.sources.keys.sorted().enumerated() {
            let source = state.sources[name]!
            if n > 0 { out.append(UInt8(ascii: ",")) }
            appendString(name, to: &out)
            out.append(contentsOf: #":{"init":"#.utf8)
            out += Array((source.initialized ? "true" : "false").utf8)
            if let id = source.lastEventID {
                out.append(contentsOf: #","last_event_id":"#.utf8)
                appendString(id, to: &out)
            }
            out.append(contentsOf: #","seen":{"#.utf8)
            for (k, (key, r)) in source.seen.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                out.append(UInt8(ascii: "{"))
                if let c = r.count { out.append(contentsOf: #""c":\#(c),"#.utf8) }
                if r.read { out.append(contentsOf: #""r":true,"#.utf8) }
                out.append(contentsOf: #""t":"#.utf8)
                appendNumber(r.firstSeen.rounded(), to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out += Array("}}".utf8)
        }
        out.append(contentsOf: #"},"version":\#(state.version)}"#.utf8)
        return out
    }

    static func decode(_ data: some Collection<UInt8>) throws -> PersistedState {
        let bytes = Array(data)
        return try bytes.withUnsafeBufferPointer { buffer in
            var p = JSONParser(buffer)
            let state = try root(&p)
            p.skipSpace()
            guard p.i == buffer.count else { throw p.fail("unexpected text after the state") }
            return state
        }
    }

    /// Walks `{ "key": value, … }`, handing each key to `field` with the parser at its value.
    private static func members(_ p: inout JSONParser, _ field: (String, inout JSONParser) throws -> Void) throws {
        p.skipSpace()
        guard p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "{") else { throw p.fail("expected an object") }
        p.i += 1
        p.skipSpace()
        if p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "}") { p.i += 1; return }
        while true {
            p.skipSpace()
            guard p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "\"") else { throw p.fail("expected a key") }
            let key = try p.string()
            p.skipSpace()
            guard p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: ":") else { throw p.fail("expected ':'") }
            p.i += 1
            p.skipSpace()
            try field(key, &p)
            p.skipSpace()
            guard p.i < p.bytes.count else { throw p.fail("unexpected end of input") }
            if p.bytes[p.i] == UInt8(ascii: ",") { p.i += 1; continue }
            if p.bytes[p.i] == UInt8(ascii: "}") { p.i += 1; return }
            throw p.fail("expected ',' or '}'")
        }
    }

    private static func root(_ p: inout JSONParser) throws -> PersistedState {
        var version: Int?
        var sources: [String: SourceState]?
        var outbox: [PendingAction]?
        try members(&p) { key, p in
            switch key {
            case "version":
                guard case .number(let v) = try p.value(), let n = Int(exactly: v) else { throw Failure(description: "version is not an integer") }
                version = n
            case "outbox":
                outbox = try JSONDecoder().decode([PendingAction].self, from: Data(try p.value().serialized().utf8))
            case "sources":
                var all: [String: SourceState] = [:]
                try members(&p) { name, p in all[name] = try source(name, &p) }
                sources = all
            default:
                _ = try p.value()
            }
        }
        guard let version, let sources, let outbox else { throw Failure(description: "version, sources or outbox is missing") }
        return PersistedState(version: version, sources: sources, outbox: outbox)
    }

    private static func source(_ name: String, _ p: inout JSONParser) throws -> SourceState {
        var initialized: Bool?
        var lastEventID: String?
        var seen: [String: SeenRecord]?
        try members(&p) { key, p in
            switch key {
            case "init":
                guard case .bool(let b) = try p.value() else { throw Failure(description: "source \(name): init is not a boolean") }
                initialized = b
            case "last_event_id":
                switch try p.value() {
                case .null: lastEventID = nil
                case .string(let s): lastEventID = s
                default: throw Failure(description: "source \(name): last_event_id is not a string")
                }
            case "seen":
                var records: [String: SeenRecord] = [:]
                try members(&p) { itemKey, p in records[itemKey] = try record(itemKey, &p) }
                seen = records
            default:
                _ = try p.value()
            }
        }
        guard let initialized, let seen else { throw Failure(description: "source \(name): init or seen is missing") }
        return SourceState(initialized: initialized, seen: seen, lastEventID: lastEventID)
    }

    private static func record(_ key: String, _ p: inout JSONParser) throws -> SeenRecord {
        var t: Double?
        var count: Int?
        var read = false
        try members(&p) { field, p in
            switch (field, try p.value()) {
            case ("t", .number(let d)): t = d
            case ("c", .null), ("r", .null): break
            case ("c", .number(let d)):
                guard let c = Int(exactly: d) else { throw Failure(description: "seen \(key): c is not an integer") }
                count = c
            case ("r", .bool(let b)): read = b
            case ("t", _), ("c", _), ("r", _): throw Failure(description: "seen \(key): \(field) has the wrong type")
            default: break
            }
        }
        guard let t else { throw Failure(description: "seen \(key) has no time") }
        return SeenRecord(firstSeen: t, count: count, read: read)
    }

    private static func appendNumber(_ d: Double, to out: inout [UInt8]) {
        if d == d.rounded(), abs(d) < 9e15 {
            var v = Int64(d)
            if v < 0 { out.append(UInt8(ascii: "-")); v = -v }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var n = 0
            withUnsafeMutableBytes(of: &digits) { d in
                repeat { d[n] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10; n += 1 } while v > 0
                for k in stride(from: n - 1, through: 0, by: -1) { out.append(d[k]) }
            }
        } else {
            out += Array("\(d)".utf8)
        }
    }

    /// A JSON string: `"` and `\` escaped, control characters as \uXXXX, `/` as `\/` (as JSONEncoder).
    private static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "/"): out += [UInt8(ascii: "\\"), UInt8(ascii: "/")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
