internal import CDBus

/// Appends `DBusValue`s to a message through libdbus's iterators.
enum MessageWriter {
    /// Validates every value first (libdbus aborts on invalid input), then appends them in order.
    static func append(_ values: [DBusValue], to message: OpaquePointer) throws(BusError) {
        for value in values { try value.validateForWire() }
        var iter = DBusMessageIter()
        dbus_message_iter_init_append(message, &iter)
        for value in values { try append(value, to: &iter) }
    }

    private static func append(_ value: DBusValue, to iter: UnsafeMutablePointer<DBusMessageIter>) throws(BusError) {
        switch value {
        case .byte(let v): try basic(iter, WireType.byte, v)
        case .bool(let v): try basic(iter, WireType.bool, dbus_bool_t(v ? 1 : 0))
        case .int16(let v): try basic(iter, WireType.int16, v)
        case .uint16(let v): try basic(iter, WireType.uint16, v)
        case .int32(let v): try basic(iter, WireType.int32, v)
        case .uint32(let v): try basic(iter, WireType.uint32, v)
        case .int64(let v): try basic(iter, WireType.int64, v)
        case .uint64(let v): try basic(iter, WireType.uint64, v)
        case .double(let v): try basic(iter, WireType.double, v)
        case .string(let v): try string(iter, WireType.string, v)
        case .objectPath(let v): try string(iter, WireType.objectPath, v)
        case .signature(let v): try string(iter, WireType.signature, v)
        case .array(let element, let items):
            try container(iter, WireType.array, element) { sub throws(BusError) in
                for item in items { try append(item, to: sub) }
            }
        case .dict(let key, let valueSig, let entries):
            try container(iter, WireType.array, "{" + key + valueSig + "}") { sub throws(BusError) in
                for entry in entries {
                    try container(sub, WireType.dictEntry, nil) { pair throws(BusError) in
                        try append(entry.key, to: pair)
                        try append(entry.value, to: pair)
                    }
                }
            }
        case .variant(let inner):
            try container(iter, WireType.variant, inner.signature) { sub throws(BusError) in
                try append(inner, to: sub)
            }
        case .structure(let fields):
            try container(iter, WireType.structure, nil) { sub throws(BusError) in
                for field in fields { try append(field, to: sub) }
            }
        }
    }

    private static func basic<T: BitwiseCopyable>(_ iter: UnsafeMutablePointer<DBusMessageIter>, _ type: Int32, _ value: T) throws(BusError) {
        var copy = value
        guard dbus_message_iter_append_basic(iter, type, &copy) != 0 else { throw outOfMemory }
    }

    private static func string(_ iter: UnsafeMutablePointer<DBusMessageIter>, _ type: Int32, _ value: String) throws(BusError) {
        let ok = value.withCString { chars in
            var pointer: UnsafePointer<CChar>? = chars
            return dbus_message_iter_append_basic(iter, type, &pointer)
        }
        guard ok != 0 else { throw outOfMemory }
    }

    /// Opens a container, fills it, closes it; abandons it when filling fails.
    private static func container(
        _ iter: UnsafeMutablePointer<DBusMessageIter>, _ type: Int32, _ signature: String?,
        _ fill: (UnsafeMutablePointer<DBusMessageIter>) throws(BusError) -> Void
    ) throws(BusError) {
        var sub = DBusMessageIter()
        let opened: dbus_bool_t
        if let signature {
            opened = signature.withCString { dbus_message_iter_open_container(iter, type, $0, &sub) }
        } else {
            opened = dbus_message_iter_open_container(iter, type, nil, &sub)
        }
        guard opened != 0 else { throw outOfMemory }
        do {
            try fill(&sub)
        } catch {
            dbus_message_iter_abandon_container(iter, &sub)
            throw error
        }
        guard dbus_message_iter_close_container(iter, &sub) != 0 else {
            dbus_message_iter_abandon_container_if_open(iter, &sub)
            throw outOfMemory
        }
    }

    private static var outOfMemory: BusError { BusError(.invalidArgument, "libdbus ran out of memory building a message") }
}
