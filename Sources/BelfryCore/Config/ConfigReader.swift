/// Reads one table against its section of `ConfigSchema`, collecting every error with its key and line.
/// Defaults come from the schema; a key read here that the schema lacks is a programming error.
final class ConfigReader {
    let file: String
    let locator: LineLocator
    private(set) var errors: [ConfigError] = []

    init(file: String, text: String) {
        self.file = file
        self.locator = LineLocator(text)
    }

    func fail(_ message: String, key: String?, table: [String] = [], index: Int? = nil, lineKey: String? = nil) {
        let line = locator.line(table: table, index: index, key: lineKey ?? key.map { String($0.split(separator: ".").last ?? "") })
        errors.append(ConfigError(file: file, line: line, key: key, message: message))
    }

    /// A view of one table. `label` names it in messages (`desktop`, `source[1]`).
    struct Table {
        let reader: ConfigReader
        let section: ConfigSection
        let values: [String: ConfigNode]
        let label: String
        let header: [String]
        let index: Int?

        func fail(_ key: String, _ message: String) {
            reader.fail(message, key: "\(label).\(key)", table: header, index: index, lineKey: key)
        }

        /// Unknown keys, listed with what is allowed.
        func checkKeys() {
            for key in values.keys.sorted() where section.setting(key) == nil {
                fail(key, "unknown key (allowed in [\(section.isArray ? "[" : "")\(section.name)\(section.isArray ? "]" : "")]: \(section.keys.joined(separator: ", ")))")
            }
            for s in section.settings where s.required && values[s.key] == nil {
                reader.fail("missing (it is required: \(s.doc))", key: "\(label).\(s.key)", table: header, index: index, lineKey: nil)
            }
        }

        func raw(_ key: String) -> (Setting, ConfigNode?) {
            guard let s = section.setting(key) else { preconditionFailure("\(key) is not in the schema of [\(section.name)]") }
            return (s, values[key] ?? s.defaultValue)
        }

        func wrongType(_ s: Setting, _ v: ConfigNode) {
            fail(s.key, "is \(v.typeName), expected \(s.allowed)")
        }

        func string(_ key: String) -> String? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            guard case .string(let str) = v else { wrongType(s, v); return nil }
            if case .oneOf(let allowed) = s.kind, !allowed.contains(str) {
                fail(key, "\"\(str)\" is not allowed (\(s.allowed))")
                return nil
            }
            return str
        }

        func int(_ key: String) -> Int? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            guard case .int(let i) = v else { wrongType(s, v); return nil }
            if case .int(let range) = s.kind, !range.contains(i) {
                fail(key, "\(i) is out of range (\(s.allowed))")
                return nil
            }
            return i
        }

        func bool(_ key: String) -> Bool? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            guard case .bool(let b) = v else { wrongType(s, v); return nil }
            return b
        }

        func duration(_ key: String) -> Duration? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            guard case .string(let text) = v else { wrongType(s, v); return nil }
            do {
                let d = try DurationText.parse(text)
                if case .duration(let min) = s.kind, d < min {
                    fail(key, "\"\(text)\" is too short (\(s.allowed))")
                    return nil
                }
                return d
            } catch {
                fail(key, error.description)
                return nil
            }
        }

        func strings(_ key: String) -> [String]? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            guard case .array(let items) = v else { wrongType(s, v); return nil }
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let str) = item else {
                    fail(key, "item \(i) is \(item.typeName), expected \(s.allowed)")
                    return nil
                }
                if case .strings(let allowed) = s.kind, !allowed.isEmpty, !allowed.contains(str) {
                    fail(key, "\"\(str)\" is not allowed (\(s.allowed))")
                    return nil
                }
                out.append(str)
            }
            return out
        }

        func command(_ key: String) -> [String]? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            switch v {
            case .string(let str):
                let words = str.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                if words.isEmpty { fail(key, "is empty (\(s.allowed))"); return nil }
                return words
            case .array(let items):
                let words = items.compactMap { if case .string(let w) = $0 { w } else { nil } }
                if words.count != items.count || words.isEmpty { fail(key, "expected \(s.allowed)"); return nil }
                return words
            default:
                wrongType(s, v)
                return nil
            }
        }

        func paths(_ key: String) -> [String]? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            switch v {
            case .string(let str): return str.isEmpty ? [] : [str]
            case .array(let items):
                let words = items.compactMap { if case .string(let w) = $0 { w } else { nil } }
                if words.count != items.count { fail(key, "expected \(s.allowed)"); return nil }
                return words
            default:
                wrongType(s, v)
                return nil
            }
        }

        func ints(_ key: String) -> [Int]? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            guard case .array(let items) = v else { wrongType(s, v); return nil }
            let out = items.compactMap { if case .int(let i) = $0 { i } else { nil } }
            if out.count != items.count { fail(key, "expected \(s.allowed)"); return nil }
            return out
        }

        func stringMap(_ key: String) -> [String: String]? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            guard case .table(let t) = v else { wrongType(s, v); return nil }
            var out: [String: String] = [:]
            for (k, item) in t {
                let str: String
                switch item {
                case .string(let x): str = x
                case .int(let i): str = String(i)
                case .bool(let b): str = b ? "true" : "false"
                case .double(let d): str = String(d)
                default:
                    fail("\(key).\(k)", "is \(item.typeName), expected a string")
                    continue
                }
                if case .stringMap(let allowed) = s.kind, !allowed.isEmpty, !allowed.contains(str) {
                    fail("\(key).\(k)", "\"\(str)\" is not allowed (\(s.allowed))")
                    continue
                }
                out[k] = str
            }
            return out
        }

        func table(_ key: String) -> ConfigNode? {
            let (s, v) = raw(key)
            guard let v else { return nil }
            guard case .table = v else { wrongType(s, v); return nil }
            return v
        }
    }
}
