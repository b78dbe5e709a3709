extension DBusValue {
    /// Checks what libdbus would otherwise abort on or silently corrupt: signature depth and
    /// well-formedness, container elements matching their declared signature, object paths,
    /// signatures and NUL-free strings.
    func validateForWire() throws(BusError) {
        try Validate.singleSignature(signature)
        try validateContents()
    }

    private func validateContents() throws(BusError) {
        switch self {
        case .byte, .bool, .int16, .uint16, .int32, .uint32, .int64, .uint64, .double:
            return
        case .string(let s):
            guard !s.utf8.contains(0) else {
                throw BusError(.invalidArgument, "D-Bus strings cannot contain NUL: \(s.debugDescription)")
            }
        case .objectPath(let p):
            try Validate.path(p)
        case .signature(let g):
            try Validate.signature(g)
        case .array(let element, let items):
            for item in items {
                try Self.expect(item, element, in: "array")
                try item.validateContents()
            }
        case .dict(let key, let value, let entries):
            guard WireType.basicSignatures.contains(key) else {
                throw BusError(.invalidArgument, "dict key type must be basic, not \(key)")
            }
            for entry in entries {
                try Self.expect(entry.key, key, in: "dict key")
                try Self.expect(entry.value, value, in: "dict value")
                try entry.key.validateContents()
                try entry.value.validateContents()
            }
        case .variant(let inner):
            try inner.validateForWire()
        case .structure(let fields):
            guard !fields.isEmpty else { throw BusError(.invalidArgument, "empty D-Bus struct") }
            for field in fields { try field.validateContents() }
        }
    }

    private static func expect(_ value: DBusValue, _ signature: String, in what: String) throws(BusError) {
        guard value.signature == signature else {
            throw BusError(.invalidArgument, "\(what) element has type \(value.signature), declared \(signature)")
        }
    }
}
