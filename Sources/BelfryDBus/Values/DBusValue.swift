/// One D-Bus value, typed as it travels on the wire. Containers carry their element signature so
/// empty arrays and dicts still marshal with the right type.
public indirect enum DBusValue: Sendable, Equatable, CustomStringConvertible {
    case byte(UInt8)
    /// `b`; travels as a 32-bit 0/1.
    case bool(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case string(String)
    case objectPath(String)
    case signature(String)
    /// `a<element>`: every element must have signature `element`.
    case array(element: String, [DBusValue])
    /// `a{<key><value>}`: `key` is a basic type signature.
    case dict(key: String, value: String, [DBusDictEntry])
    case variant(DBusValue)
    case structure([DBusValue])

    /// The type signature of this value, e.g. `a{sv}`.
    public var signature: String {
        switch self {
        case .byte: "y"
        case .bool: "b"
        case .int16: "n"
        case .uint16: "q"
        case .int32: "i"
        case .uint32: "u"
        case .int64: "x"
        case .uint64: "t"
        case .double: "d"
        case .string: "s"
        case .objectPath: "o"
        case .signature: "g"
        case .array(let element, _): "a" + element
        case .dict(let key, let value, _): "a{" + key + value + "}"
        case .variant: "v"
        case .structure(let fields): "(" + fields.map(\.signature).joined() + ")"
        }
    }

    public var description: String {
        switch self {
        case .byte(let v): "byte \(v)"
        case .bool(let v): "\(v)"
        case .int16(let v): "int16 \(v)"
        case .uint16(let v): "uint16 \(v)"
        case .int32(let v): "int32 \(v)"
        case .uint32(let v): "uint32 \(v)"
        case .int64(let v): "int64 \(v)"
        case .uint64(let v): "uint64 \(v)"
        case .double(let v): "\(v)"
        case .string(let v): v.debugDescription
        case .objectPath(let v): "path \(v)"
        case .signature(let v): "signature \(v)"
        case .array(_, let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dict(_, _, let entries):
            "[" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]"
        case .variant(let v): "<\(v)>"
        case .structure(let fields): "(" + fields.map(\.description).joined(separator: ", ") + ")"
        }
    }
}

/// One entry of a `dict` value.
public struct DBusDictEntry: Sendable, Equatable {
    public var key: DBusValue
    public var value: DBusValue
    public init(_ key: DBusValue, _ value: DBusValue) {
        self.key = key
        self.value = value
    }
}

extension DBusValue {
    /// `a{sv}` from string keys, each value wrapped in a variant.
    public static func vardict(_ entries: [(String, DBusValue)]) -> DBusValue {
        .dict(key: "s", value: "v", entries.map { DBusDictEntry(.string($0.0), .variant($0.1)) })
    }

    /// `as`.
    public static func strings(_ values: [String]) -> DBusValue {
        .array(element: "s", values.map { .string($0) })
    }

    // Accessors that unwrap one case (and see through variants), for reading replies.

    public var stringValue: String? {
        switch self {
        case .string(let v), .objectPath(let v), .signature(let v): v
        case .variant(let inner): inner.stringValue
        default: nil
        }
    }

    public var uint32Value: UInt32? {
        switch self {
        case .uint32(let v): v
        case .variant(let inner): inner.uint32Value
        default: nil
        }
    }

    public var boolValue: Bool? {
        switch self {
        case .bool(let v): v
        case .variant(let inner): inner.boolValue
        default: nil
        }
    }

    /// The elements of an array (as values), seeing through a variant.
    public var arrayValue: [DBusValue]? {
        switch self {
        case .array(_, let items): items
        case .variant(let inner): inner.arrayValue
        default: nil
        }
    }

    /// The entries of a dict keyed by string, seeing through a variant.
    public var stringKeyedValue: [String: DBusValue]? {
        switch self {
        case .dict(_, _, let entries):
            var result: [String: DBusValue] = [:]
            for entry in entries {
                guard let key = entry.key.stringValue else { return nil }
                result[key] = entry.value
            }
            return result
        case .variant(let inner): return inner.stringKeyedValue
        default: return nil
        }
    }
}
