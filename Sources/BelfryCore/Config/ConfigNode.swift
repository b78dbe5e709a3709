import TOMLKit

/// A TOML document as plain Swift values, so validation can walk it with key paths and presets can
/// be deep-merged with a source's overrides before decoding.
public indirect enum ConfigNode: Sendable, Equatable {
    case table([String: ConfigNode])
    case array([ConfigNode])
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// Dates and times: valid TOML, but no Belfry key takes one.
    case other(String)

    /// Parses TOML text. Syntax errors carry the parser's line and column.
    public static func parse(toml text: String, file: String) throws(ConfigError) -> ConfigNode {
        if let (line, message) = TOMLPrecheck.problem(in: text) {
            throw ConfigError(file: file, line: line, key: nil, message: "TOML syntax error: \(message)")
        }
        do {
            return ConfigNode(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, line: error.source.begin.line, key: nil,
                              message: "TOML syntax error at column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigError(file: file, line: nil, key: nil, message: "cannot parse TOML: \(error)")
        }
    }

    init(_ table: TOMLTable) {
        var out: [String: ConfigNode] = [:]
        for key in table.keys {
            if let v = table[key] { out[key] = ConfigNode(v) }
        }
        self = .table(out)
    }

    init(_ v: any TOMLValueConvertible) {
        switch v.type {
        case .table: self = v.table.map { ConfigNode($0) } ?? .table([:])
        case .array: self = .array((v.array.map { Array($0) } ?? []).map { ConfigNode($0) })
        case .string: self = .string(v.string ?? "")
        case .int: self = .int(v.int ?? 0)
        case .double: self = .double(v.double ?? 0)
        case .bool: self = .bool(v.bool ?? false)
        default: self = .other("\(v.type)")
        }
    }

    /// The TOML type name, for error messages.
    public var typeName: String {
        switch self {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .int: "an integer"
        case .double: "a float"
        case .bool: "a boolean"
        case .other(let t): "a \(t)"
        }
    }

    public var table: [String: ConfigNode]? { if case .table(let t) = self { t } else { nil } }

    /// `self` with `overlay` laid on top: tables merge key by key, anything else is replaced.
    public func merged(with overlay: ConfigNode) -> ConfigNode {
        guard case .table(var base) = self, case .table(let top) = overlay else { return overlay }
        for (k, v) in top { base[k] = base[k].map { $0.merged(with: v) } ?? v }
        return .table(base)
    }

    /// TOML text of a scalar or inline value (used to print defaults in config.example.toml).
    public var tomlLiteral: String {
        switch self {
        case .string(let s): return "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .array(let a): return "[" + a.map(\.tomlLiteral).joined(separator: ", ") + "]"
        case .table(let t):
            if t.isEmpty { return "{}" }
            return "{ " + t.keys.sorted().map { "\($0) = \(t[$0]!.tomlLiteral)" }.joined(separator: ", ") + " }"
        case .other(let s): return s
        }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return self.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
