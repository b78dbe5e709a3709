import FoundationEssentials

/// The state file's JSON, written and read by hand for the seen map (up to `max_seen` records per
/// source, in dictionary order, since sorting 100,000 keys costs more than the rest) and through
/// Codable for the small rest (the outbox). The text is what `JSONEncoder` makes of `PersistedState`
/// plus one field per source, `"records"` (how many seen records follow, read back as a capacity
/// hint; `JSONDecoder` ignores it). Reading accepts what `JSONDecoder` accepts. A save and a load of
/// 100,000 keys each stay within 50 ms (BENCHMARKS.md).
enum StateCodec {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The file declares a format newer than `PersistedState.currentVersion`: written by a newer belfry.
    /// Not a corrupt file: it must be neither read as ours nor replaced.
    struct TooNew: Error {
        var found: Int
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
            out.append(contentsOf: (source.initialized ? "true" : "false").utf8)
            if let id = source.lastEventID {
                out.append(contentsOf: #","last_event_id":"#.utf8)
                appendString(id, to: &out)
            }
            if let v = source.validators {
                out.append(contentsOf: #","cond":"#.utf8)
                out.append(contentsOf: v.json.serialized().utf8)
            }
            out.append(contentsOf: #","records":\#(source.seen.count),"seen":{"#.utf8)
            for (k, (key, r)) in source.seen.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                out.append(UInt8(ascii: "{"))
                if let c = r.count { out.append(contentsOf: #""c":\#(c),"#.utf8) }
                if r.read { out.append(contentsOf: #""r":true,"#.utf8) }
                if let v = r.revision { out.append(contentsOf: #""v":\#(v),"#.utf8) }
                out.append(contentsOf: #""t":"#.utf8)
                appendNumber(r.firstSeen.rounded(), to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(contentsOf: "}}".utf8)
        }
        out.append(contentsOf: #"},"version":\#(state.version)}"#.utf8)
        return out
    }

    static func decode(_ data: some Collection<UInt8>) throws -> PersistedState {
        // The file's bytes in place when they are contiguous (Data from a read is): a copy of a
        // 100,000-key file is 3.7 MB more to allocate and move before parsing starts.
        if let state = try data.withContiguousStorageIfAvailable({ try decode(buffer: $0) }) { return state }
        return try Array(data).withUnsafeBufferPointer { try decode(buffer: $0) }
    }

    private static func decode(buffer: UnsafeBufferPointer<UInt8>) throws -> PersistedState {
        var p = JSONParser(buffer)
        do {
            var state = try root(&p)
            p.skipSpace()
            guard p.i == buffer.count else { throw p.fail("unexpected text after the state") }
            guard state.version <= PersistedState.currentVersion else { throw TooNew(found: state.version) }
            // Format 1 is the only one so far (a file without "version" is format 1 too). A format 2
            // converts older files here; in memory the state is always the current format.
            state.version = PersistedState.currentVersion
            return state
        } catch let error as TooNew {
            throw error
        } catch {
            // A newer format need not parse as this one: its declared version, if any, still says
            // whose file it is.
            if let found = declaredVersion(buffer), found > PersistedState.currentVersion { throw TooNew(found: found) }
            throw error
        }
    }

    /// The top-level `"version"` of any JSON object, read without the state's own rules.
    private static func declaredVersion(_ buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        guard case .number(let v)? = (try? JSONValue.parse(buffer))?["version"] else { return nil }
        return Int(exactly: v)
    }

    /// Steps through `{ "key": value, … }` without a closure per member (the seen map has up to
    /// `max_seen` of them): returns the next key with the parser at its value, nil after the closing
    /// brace. `first` starts true.
    private static func nextKey(_ p: inout JSONParser, _ first: inout Bool) throws -> String? {
        p.skipSpace()
        if first {
            first = false
            guard p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "{") else { throw p.fail("expected an object") }
            p.i += 1
            p.skipSpace()
            if p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "}") { p.i += 1; return nil }
        } else {
            guard p.i < p.bytes.count else { throw p.fail("unexpected end of input") }
            switch p.bytes[p.i] {
            case UInt8(ascii: ","): p.i += 1; p.skipSpace()
            case UInt8(ascii: "}"): p.i += 1; return nil
            default: throw p.fail("expected ',' or '}'")
            }
        }
        guard p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "\"") else { throw p.fail("expected a key") }
        let key = try p.string()
        p.skipSpace()
        guard p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: ":") else { throw p.fail("expected ':'") }
        p.i += 1
        p.skipSpace()
        return key
    }

    /// `nextKey` for a seen record, whose keys are one letter: `"t"`, `"c"`, `"r"` and `"v"` are recognised
    /// from their bytes without building a String (100,000 records have 200,000 of them).
    private static func nextRecordField(_ p: inout JSONParser, _ first: inout Bool) throws -> String? {
        p.skipSpace()
        let opener = first ? UInt8(ascii: "{") : UInt8(ascii: ",")
        if p.i < p.bytes.count, p.bytes[p.i] == opener {
            var k = p.i + 1
            while k < p.bytes.count, p.bytes[k] == 0x20 || p.bytes[k] == 0x0A || p.bytes[k] == 0x09 || p.bytes[k] == 0x0D { k += 1 }
            if k + 3 < p.bytes.count, p.bytes[k] == UInt8(ascii: "\""), p.bytes[k + 2] == UInt8(ascii: "\""),
               p.bytes[k + 3] == UInt8(ascii: ":") {
                let name: String? = switch p.bytes[k + 1] {
                case UInt8(ascii: "t"): "t"
                case UInt8(ascii: "c"): "c"
                case UInt8(ascii: "r"): "r"
                case UInt8(ascii: "v"): "v"
                default: nil
                }
                if let name {
                    first = false
                    p.i = k + 4
                    p.skipSpace()
                    return name
                }
            }
        }
        return try nextKey(&p, &first)  // anything else: the general path, same errors
    }

    private static func root(_ p: inout JSONParser) throws -> PersistedState {
        var version: Int?
        var sources: [String: SourceState]?
        var outbox: [PendingAction]?
        var first = true
        while let key = try nextKey(&p, &first) {
            switch key {
            case "version":
                guard case .number(let v) = try p.value(), let n = Int(exactly: v) else { throw Failure(description: "version is not an integer") }
                version = n
            case "outbox":
                outbox = try JSONDecoder().decode([PendingAction].self, from: Data(try p.value().serialized().utf8))
            case "sources":
                var all: [String: SourceState] = [:]
                var firstSource = true
                while let name = try nextKey(&p, &firstSource) { all[name] = try source(name, &p) }
                sources = all
            default:
                _ = try p.value()
            }
        }
        guard let sources, let outbox else { throw Failure(description: "sources or outbox is missing") }
        return PersistedState(version: version ?? 1, sources: sources, outbox: outbox)
    }

    private static func source(_ name: String, _ p: inout JSONParser) throws -> SourceState {
        var initialized: Bool?
        var lastEventID: String?
        var validators: ListValidators?
        var seen: [String: SeenRecord]?
        var expected = 0
        var first = true
        while let key = try nextKey(&p, &first) {
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
            case "cond":
                // Only a saving: a malformed one is dropped (the next listing is unconditional).
                validators = ListValidators(json: try p.value())
            case "records":
                // How many seen records follow: sizes the dictionary once instead of growing it
                // through ~17 rehashes. Only a hint (bounded, and a wrong one costs nothing but time).
                if case .number(let n) = try p.value(), n >= 0 { expected = Int(min(n, 4_000_000)) }
            case "seen":
                var records: [String: SeenRecord] = [:]
                records.reserveCapacity(expected)
                var firstRecord = true
                while let itemKey = try nextKey(&p, &firstRecord) { records[itemKey] = try record(itemKey, &p) }
                seen = records
            default:
                _ = try p.value()
            }
        }
        guard let initialized, let seen else { throw Failure(description: "source \(name): init or seen is missing") }
        return SourceState(initialized: initialized, seen: seen, lastEventID: lastEventID, validators: validators)
    }

    private static func record(_ key: String, _ p: inout JSONParser) throws -> SeenRecord {
        var t: Double?
        var count: Int?
        var read = false
        var revision: Int64?
        var first = true
        while let field = try nextRecordField(&p, &first) {
            // Numbers are read straight from the bytes (the common case); anything else goes
            // through the general parser for the same acceptance and errors as before.
            let isNumber = p.i < p.bytes.count && (p.bytes[p.i] == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.i]))
            switch field {
            case "t" where isNumber: t = try p.number()
            case "c" where isNumber:
                guard let c = Int(exactly: try p.number()) else { throw Failure(description: "seen \(key): c is not an integer") }
                count = c
            case "v" where isNumber:
                guard let v = Int64(exactly: try p.number()) else { throw Failure(description: "seen \(key): v is not an integer") }
                revision = v
            case "t", "c", "r", "v":
                switch (field, try p.value()) {
                case ("c", .null), ("r", .null), ("v", .null): break
                case ("r", .bool(let b)): read = b
                default: throw Failure(description: "seen \(key): \(field) has the wrong type")
                }
            default:
                _ = try p.value()
            }
        }
        guard let t else { throw Failure(description: "seen \(key) has no time") }
        return SeenRecord(firstSeen: t, count: count, read: read, revision: revision)
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
    /// Also the journal's line format (`StateFile.journal`).
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most keys need no escape: check the bytes in place and copy them whole.
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == UInt8(ascii: "/") { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
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
