/// Input that toml++ (inside TOMLKit) does not refuse cleanly: a few malformed constructs trip an
/// `assert` in its parser and abort the whole process (found by FuzzTests and a bounded fuzz of
/// inline tables and arrays, see docs/reliability.md). Such text is refused here first, with the
/// line, so a bad config is an error message and never a crash. Everything else, valid or not, is
/// left to toml++, which refuses it with its own message.
///
/// The asserts, and what is refused for them:
/// - `parser::parse_key()` entered on a character that cannot start a key. It happens in table
///   headers: `[[!source]]`, `[ä]`, `[[[a]]]`, and `[` or `[[` followed by a line break or the end
///   of the text. Here: a table header (and, as before, a `key =` line) whose key or a dotted part
///   of it does not start with A-Z, a-z, 0-9, `_`, `-` or a quote.
/// - `parser::parse_value()` entered on a value terminator. It happens in arrays, where `]` and `,`
///   are handled but `}` and the Unicode line breaks are not: `x = [}`, `x = [1, }]`,
///   `{ a = [ } }`, `x = [\u{2028}]`. Here: a `}` where an array expects a value, and U+0085,
///   U+2028 or U+2029 anywhere outside strings and comments (TOML never allows them there).
/// - NUL and the other control characters but tab, CR and LF, DEL, U+FFFE, U+FFFF, anywhere.
///
/// Inline tables themselves are parsed safely by toml++: duplicate keys (`{ a = 1, a = 2 }`),
/// dotted keys inside them (`{ a.b = 1, a = 2 }`), keys that cannot start a key (`{ !a = 1 }`),
/// and inline tables extended by a later `[x]`, `[x.y]`, `[[x]]` or `x.y =` are all clean errors.
///
/// The scan follows strings (basic, literal, multi-line), comments and brackets, so text inside a
/// multi-line string is never taken for a table header, and CRLF line ends count as line ends.
enum TOMLPrecheck {
    /// The first problem, with its line (1-based), or nil when toml++ can be given the text.
    static func problem(in text: String) -> (line: Int, message: String)? {
        var scan = Scan(Array(text.unicodeScalars))
        return scan.run()
    }

    static func isBareKeyCharacter(_ c: Unicode.Scalar) -> Bool {
        (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
    }

    static func isForbiddenAnywhere(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F || v == 0xFFFE || v == 0xFFFF
    }

    /// NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR: toml++ counts them as whitespace that ends a value.
    static func isUnicodeLineBreak(_ c: Unicode.Scalar) -> Bool {
        c.value == 0x85 || c.value == 0x2028 || c.value == 0x2029
    }

    static func describe(_ c: Unicode.Scalar) -> String {
        c.value < 0x20 || c.value >= 0x7F ? "U+" + String(c.value, radix: 16, uppercase: true) : "\"\(c)\""
    }

    /// Walks a dotted key up to `end` (outside quotes) on one line; the message when a part starts wrongly.
    static func badKeyStart(_ key: ArraySlice<Unicode.Scalar>, until end: Unicode.Scalar) -> String? {
        var expectStart = true
        var quote: Unicode.Scalar?
        for c in key {
            if c == "\n" { return nil }
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            if c == end { return nil }
            if c == " " || c == "\t" { continue }
            if expectStart {
                if c == "\"" || c == "'" { quote = c } else if !isBareKeyCharacter(c) {
                    return "a key must start with A-Z, a-z, 0-9, _ or - (or be quoted), not \(describe(c))"
                }
                expectStart = false
            } else if c == "." {
                expectStart = true
            }
        }
        return nil
    }

    struct Scan {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1
        /// Arrays (`[`) and inline tables (`{`) open in the value being read.
        var open: [Unicode.Scalar] = []
        /// The last character of the value outside strings, spaces and comments (`"` for a string).
        var previous: Unicode.Scalar = "="
        var atStatementStart = true

        init(_ scalars: [Unicode.Scalar]) {
            s = scalars
            if s.first?.value == 0xFEFF { i = 1 }  // a byte order mark, which toml++ skips
        }

        mutating func run() -> (line: Int, message: String)? {
            // Characters refused anywhere come first, so they are reported at their own line.
            var forbiddenLine = 1
            var forbidden: (Int, String)?
            for c in s {
                if c == "\n" { forbiddenLine += 1 }
                if TOMLPrecheck.isForbiddenAnywhere(c) {
                    forbidden = (forbiddenLine, "control or non-character \(TOMLPrecheck.describe(c)) is not allowed")
                    break
                }
            }
            let structural = structure()
            switch (forbidden, structural) {
            case let (f?, st?): return st.line < f.0 ? st : f
            case let (f?, nil): return f
            case let (nil, st): return st
            }
        }

        /// The first construct that would abort toml++, or nil once the text is through or toml++
        /// would surely refuse it cleanly before anything else (it stops at its first error).
        mutating func structure() -> (line: Int, message: String)? {
            while i < s.count {
                let c = s[i]
                if c == "\n" {
                    line += 1
                    i += 1
                    if open.isEmpty { atStatementStart = true }
                    continue
                }
                if c == " " || c == "\t" || c == "\r" { i += 1; continue }
                if c == "#" {
                    while i < s.count, s[i] != "\n" { i += 1 }
                    continue
                }
                if atStatementStart {
                    atStatementStart = false
                    if c == "[" {
                        if let message = header() { return (line, message) }
                    } else if TOMLPrecheck.isBareKeyCharacter(c) || c.value >= 0x80 || c == "\"" || c == "'" {
                        switch keyValue() {
                        case .problem(let message): return (line, message)
                        case .refusedByTOML: return nil
                        case .value: previous = "="
                        }
                    } else {
                        return nil  // "expected keys, tables, whitespace or comments": a clean error
                    }
                    continue
                }
                // Inside a value (with its arrays and inline tables).
                if c == "\"" || c == "'" {
                    guard skipString() else { return nil }  // unterminated: a clean error
                    previous = "\""
                    continue
                }
                if TOMLPrecheck.isUnicodeLineBreak(c) {
                    return (line, "\(TOMLPrecheck.describe(c)) (a Unicode line break) is only allowed inside strings and comments")
                }
                switch c {
                case "[", "{":
                    open.append(c)
                case "}":
                    if open.last == "[", previous == "[" || previous == "," {
                        return (line, "\"}\" where the array expects a value (or \"]\" to close it)")
                    }
                    guard open.last == "{" else { return nil }  // a stray "}": a clean error
                    open.removeLast()
                case "]":
                    guard open.last == "[" else { return nil }
                    open.removeLast()
                default:
                    break
                }
                previous = c
                i += 1
            }
            return nil
        }

        /// A `[table]` or `[[array of tables]]` line, from its first `[`; leaves `i` at the line end.
        mutating func header() -> String? {
            i += 1
            if i < s.count, s[i] == "[" { i += 1 }
            while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 }
            guard i < s.count, TOMLPrecheck.isBareKeyCharacter(s[i]) || s[i] == "\"" || s[i] == "'" else {
                let what = i < s.count ? (s[i] == "\n" || s[i] == "\r" ? "a line break" : TOMLPrecheck.describe(s[i])) : "the end of the text"
                return "a table header needs a name on the same line, starting with A-Z, a-z, 0-9, _ or - (or quoted), not \(what)"
            }
            if let bad = TOMLPrecheck.badKeyStart(s[i...], until: "]") { return bad }
            while i < s.count, s[i] != "\n" { i += 1 }  // headers are one line; toml++ checks the rest
            return nil
        }

        enum KeyValue { case value, problem(String), refusedByTOML }

        /// A `key = value` statement, from the key's first character; leaves `i` after the `=`.
        mutating func keyValue() -> KeyValue {
            if let bad = TOMLPrecheck.badKeyStart(s[i...], until: "=") { return .problem(bad) }
            var quote: Unicode.Scalar?
            while i < s.count, s[i] != "\n" {
                let c = s[i]
                i += 1
                if let q = quote {
                    if c == q { quote = nil } else if c == "\\", q == "\"", i < s.count, s[i] != "\n" { i += 1 }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == "=" {
                    return .value
                }
            }
            return .refusedByTOML  // no "=" on the line
        }

        /// Skips a string from its opening quote; false when it never ends (toml++ refuses that).
        mutating func skipString() -> Bool {
            let q = s[i]
            let basic = q == "\""
            if i + 2 < s.count, s[i + 1] == q, s[i + 2] == q {
                i += 3
                while i < s.count {
                    let c = s[i]
                    if c == "\n" { line += 1 }
                    if basic, c == "\\" {
                        i += 1
                        if i < s.count, s[i] != "\n" { i += 1 }  // an escaped line break is still counted
                        continue
                    }
                    if c == q, i + 2 < s.count, s[i + 1] == q, s[i + 2] == q {
                        i += 3
                        var extra = 0  // up to two quotes right before the closing ones belong to the string
                        while extra < 2, i < s.count, s[i] == q { i += 1; extra += 1 }
                        return true
                    }
                    i += 1
                }
                return false
            }
            i += 1
            while i < s.count, s[i] != "\n" {
                let c = s[i]
                i += 1
                if c == q { return true }
                if basic, c == "\\", i < s.count, s[i] != "\n" { i += 1 }
            }
            return false
        }
    }
}
