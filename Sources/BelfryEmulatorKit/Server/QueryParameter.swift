import Hummingbird

/// Typed reads of query parameters; each preset says how a bad value is reported.
struct QueryParameters {
    let request: Request

    func text(_ name: String) -> String? {
        request.uri.queryParameters.get(name)
    }

    /// All parameters, the last value winning (for the call log).
    var all: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            result[String(key)] = String(value)
        }
        return result
    }

    /// Every pair in order, repeated keys kept, keys and values percent-decoded (Hummingbird leaves
    /// `exclude_types%5B%5D` as it came).
    var pairs: [(String, String)] {
        request.uri.queryParameters.map { (Self.decoded(String($0.key)), Self.decoded(String($0.value))) }
    }

    /// `%XX` decoded (and `+` as a space, as forms send it); malformed escapes are kept as they are.
    static func decoded(_ text: String) -> String {
        var out: [UInt8] = []
        let b = Array(text.utf8)
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 65...70: c - 55
            case 97...102: c - 87
            default: nil
            }
        }
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let h = hex(b[i + 1]), let l = hex(b[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i] == UInt8(ascii: "+") ? UInt8(ascii: " ") : b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An integer in `range`, `fallback` when absent. `fail(message, input, validationType)` builds the error.
    func int(
        _ name: String, default fallback: Int, range: ClosedRange<Int>,
        fail: (String, String, String) -> APIError
    ) throws(APIError) -> Int {
        guard let raw = text(name) else { return fallback }
        guard let value = Int(raw) else {
            throw fail("\(name) must be an integer", raw, "int_parsing")
        }
        if value < range.lowerBound {
            throw fail("\(name) must be greater than or equal to \(range.lowerBound)", raw, "greater_than_equal")
        }
        if value > range.upperBound {
            throw fail("\(name) must be less than or equal to \(range.upperBound)", raw, "less_than_equal")
        }
        return value
    }

    /// A boolean; `lenient` accepts pydantic's spellings (1/0, yes/no, on/off) besides true/false.
    func bool(
        _ name: String, default fallback: Bool, lenient: Bool,
        fail: (String, String, String) -> APIError
    ) throws(APIError) -> Bool {
        guard let raw = text(name) else { return fallback }
        let lower = raw.lowercased()
        let truthy: Set<String> = lenient ? ["true", "1", "yes", "on", "t", "y"] : ["true", "1"]
        let falsy: Set<String> = lenient ? ["false", "0", "no", "off", "f", "n"] : ["false", "0"]
        if truthy.contains(lower) { return true }
        if falsy.contains(lower) { return false }
        throw fail("\(name) must be a boolean", raw, "bool_parsing")
    }
}
