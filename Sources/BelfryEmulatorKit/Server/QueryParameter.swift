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
