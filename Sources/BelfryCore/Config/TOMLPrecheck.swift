/// Input that toml++ (inside TOMLKit) does not refuse cleanly: some malformed keys trip an `assert`
/// in its `parse_key()` and abort the whole process (found by FuzzTests). Such text is refused here
/// first, with the line, so a bad config is an error message and never a crash.
enum TOMLPrecheck {
    /// The first line holding a character TOML never allows outside strings (NUL, other C0 controls
    /// but tab, DEL, U+FFFE/U+FFFF) or a key that starts with a character no bare or quoted key can.
    static func problem(in text: String) -> (line: Int, message: String)? {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            for scalar in rawLine.unicodeScalars {
                let v = scalar.value
                if (v < 0x20 && v != 0x09 && v != 0x0D) || v == 0x7F || v == 0xFFFE || v == 0xFFFF {
                    return (lineNumber, "control or non-character U+\(String(v, radix: 16, uppercase: true)) is not allowed")
                }
            }
            let trimmed = Substring.UnicodeScalarView(rawLine.unicodeScalars.drop(while: { $0 == " " || $0 == "\t" }))
            guard let first = trimmed.first, first != "#" else { continue }
            if first == "[" {
                // A table header: every dotted part must start like a key.
                var rest = trimmed.dropFirst()
                if rest.first == "[" { rest = rest.dropFirst() }
                if let bad = badKeyStart(rest, until: "]") { return (lineNumber, bad) }
            } else if isBareKeyCharacter(first) || first.value >= 0x80 || first == "\"" || first == "'" {
                // A key = value line: the key's dotted parts must start like keys.
                if trimmed.contains("="), let bad = badKeyStart(trimmed, until: "=") { return (lineNumber, bad) }
            }
        }
        return nil
    }

    static func isBareKeyCharacter(_ c: Unicode.Scalar) -> Bool {
        (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
    }

    /// Walks a dotted key up to `end` (outside quotes); the message when a part starts wrongly.
    static func badKeyStart(_ key: Substring.UnicodeScalarView, until end: Unicode.Scalar) -> String? {
        var expectStart = true
        var quote: Unicode.Scalar?
        for c in key {
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            if c == end { return nil }
            if c == " " || c == "\t" { continue }
            if expectStart {
                if c == "\"" || c == "'" { quote = c } else if !isBareKeyCharacter(c) {
                    return "a key must start with A-Z, a-z, 0-9, _ or - (or be quoted), not \"\(c)\""
                }
                expectStart = false
            } else if c == "." {
                expectStart = true
            }
        }
        return nil
    }
}
