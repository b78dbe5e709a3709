/// Finds the line of a key in TOML text. TOMLKit reports lines only for syntax errors, so semantic
/// errors (unknown key, bad value) are located by reading the table headers and `key =` lines.
/// Best effort: nil when the key was written in a form it does not follow (inline tables, dotted keys).
struct LineLocator {
    private let lines: [Substring]

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// `table` is the header path (`["agent"]`, `["source"]` with `index` for the nth `[[source]]`,
    /// `["source","profile","list"]`); `key` nil asks for the header line itself.
    func line(table: [String], index: Int? = nil, key: String?) -> Int? {
        let header = table.joined(separator: ".")
        var arrayCount = -1
        var inTarget = table.isEmpty
        var parentIndex = -1
        for (n, raw) in lines.enumerated() {
            let l = raw.trimmingWhitespace()
            if l.hasPrefix("[") {
                let isArray = l.hasPrefix("[[")
                let name = l.drop(while: { $0 == "[" }).prefix(while: { $0 != "]" }).trimmingWhitespace()
                if table.isEmpty, let key, name == key || name.hasPrefix(key + ".") { return n + 1 }
                if table.count >= 1, name == table[0], isArray { parentIndex += 1 }
                if isArray, name == header { arrayCount += 1 }
                if name == header {
                    let wantIndex = index ?? 0
                    inTarget = isArray ? arrayCount == wantIndex : (index == nil || parentIndex == wantIndex)
                    if inTarget, key == nil { return n + 1 }
                } else {
                    inTarget = false
                }
                continue
            }
            guard inTarget, let key else { continue }
            let k = l.prefix(while: { $0 != "=" }).trimmingWhitespace()
            if k == key || k == "\"\(key)\"" || k.hasPrefix(key + ".") { return n + 1 }
        }
        return nil
    }
}
