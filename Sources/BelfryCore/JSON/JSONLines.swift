/// JSON lines (one JSON value per line, as ntfy's `/json?poll=1`), read as one array.
public enum JSONLines {
    /// The values of the non-blank lines, in order. A line that is not JSON fails the whole answer,
    /// naming its line number.
    public static func parse(_ bytes: [UInt8]) throws(JSONValue.ParseError) -> JSONValue {
        var out: [JSONValue] = []
        var number = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var slice = line[...]
            while let last = slice.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { slice.removeLast() }
            guard slice.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { continue }
            do { out.append(try JSONValue.parse(Array(slice))) } catch {
                throw JSONValue.ParseError(message: "line \(number) is not JSON: \(error.message)")
            }
        }
        return .array(out)
    }
}
