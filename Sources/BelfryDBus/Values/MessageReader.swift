internal import CDBus

/// Reads any message's arguments back into `DBusValue`s.
enum MessageReader {
    static func read(_ message: OpaquePointer) throws(BusError) -> [DBusValue] {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(message, &iter) != 0 else { return [] }
        var values: [DBusValue] = []
        repeat {
            values.append(try readValue(&iter))
        } while dbus_message_iter_next(&iter) != 0
        return values
    }

    private static func readValue(_ iter: UnsafeMutablePointer<DBusMessageIter>) throws(BusError) -> DBusValue {
        let type = dbus_message_iter_get_arg_type(iter)
        switch type {
        case WireType.byte: return .byte(basic(iter).byt)
        case WireType.bool: return .bool(basic(iter).bool_val != 0)
        case WireType.int16: return .int16(basic(iter).i16)
        case WireType.uint16: return .uint16(basic(iter).u16)
        case WireType.int32: return .int32(basic(iter).i32)
        case WireType.uint32: return .uint32(basic(iter).u32)
        case WireType.int64: return .int64(Int64(basic(iter).i64))
        case WireType.uint64: return .uint64(UInt64(basic(iter).u64))
        case WireType.double: return .double(basic(iter).dbl)
        case WireType.string: return .string(string(iter))
        case WireType.objectPath: return .objectPath(string(iter))
        case WireType.signature: return .signature(string(iter))
        case WireType.variant:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(iter, &sub)
            return .variant(try readValue(&sub))
        case WireType.structure:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(iter, &sub)
            var fields: [DBusValue] = []
            while dbus_message_iter_get_arg_type(&sub) != WireType.invalid {
                fields.append(try readValue(&sub))
                dbus_message_iter_next(&sub)
            }
            return .structure(fields)
        case WireType.array:
            return try readArray(iter)
        default:
            let code = type > 0 && type < 128 ? String(UnicodeScalar(UInt8(type))) : "\(type)"
            throw BusError(.unsupportedMessage, "cannot read D-Bus type '\(code)'")
        }
    }

    private static func readArray(_ iter: UnsafeMutablePointer<DBusMessageIter>) throws(BusError) -> DBusValue {
        let element = String(signature(iter).dropFirst())
        var sub = DBusMessageIter()
        dbus_message_iter_recurse(iter, &sub)
        if dbus_message_iter_get_element_type(iter) == WireType.dictEntry {
            // element is "{KV}": a one-character basic key, then one complete value type.
            let inner = element.dropFirst().dropLast()
            let key = String(inner.prefix(1))
            let value = String(inner.dropFirst())
            var entries: [DBusDictEntry] = []
            while dbus_message_iter_get_arg_type(&sub) == WireType.dictEntry {
                var pair = DBusMessageIter()
                dbus_message_iter_recurse(&sub, &pair)
                let k = try readValue(&pair)
                dbus_message_iter_next(&pair)
                let v = try readValue(&pair)
                entries.append(DBusDictEntry(k, v))
                dbus_message_iter_next(&sub)
            }
            return .dict(key: key, value: value, entries)
        }
        var items: [DBusValue] = []
        while dbus_message_iter_get_arg_type(&sub) != WireType.invalid {
            items.append(try readValue(&sub))
            dbus_message_iter_next(&sub)
        }
        return .array(element: element, items)
    }

    private static func basic(_ iter: UnsafeMutablePointer<DBusMessageIter>) -> DBusBasicValue {
        var value = DBusBasicValue()
        dbus_message_iter_get_basic(iter, &value)
        return value
    }

    private static func string(_ iter: UnsafeMutablePointer<DBusMessageIter>) -> String {
        guard let chars = basic(iter).str else { return "" }
        return String(cString: chars)
    }

    /// The signature of the value at `iter`, e.g. `a{sv}`.
    private static func signature(_ iter: UnsafeMutablePointer<DBusMessageIter>) -> String {
        guard let chars = dbus_message_iter_get_signature(iter) else { return "" }
        defer { dbus_free(chars) }
        return String(cString: chars)
    }
}
