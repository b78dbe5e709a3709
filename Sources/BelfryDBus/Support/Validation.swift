internal import CDBus

/// libdbus aborts the process (by default) when handed an invalid name, path or signature, so every
/// such string is checked here first and rejected with `BusError.invalidArgument`.
enum Validate {
    static func path(_ value: String) throws(BusError) {
        try check(value, "object path") { dbus_validate_path($0, $1) }
    }

    static func interface(_ value: String) throws(BusError) {
        try check(value, "interface name") { dbus_validate_interface($0, $1) }
    }

    static func member(_ value: String) throws(BusError) {
        try check(value, "member name") { dbus_validate_member($0, $1) }
    }

    static func busName(_ value: String) throws(BusError) {
        try check(value, "bus name") { dbus_validate_bus_name($0, $1) }
    }

    static func errorName(_ value: String) throws(BusError) {
        try check(value, "error name") { dbus_validate_error_name($0, $1) }
    }

    /// One complete type, e.g. `s`, `a{sv}`, `(ii)`.
    static func singleSignature(_ value: String) throws(BusError) {
        try check(value, "single complete type signature") { dbus_signature_validate_single($0, $1) }
    }

    static func signature(_ value: String) throws(BusError) {
        try check(value, "signature") { dbus_signature_validate($0, $1) }
    }

    private static func check(
        _ value: String, _ what: String,
        _ validator: (UnsafePointer<CChar>, UnsafeMutablePointer<DBusError>) -> dbus_bool_t
    ) throws(BusError) {
        // An embedded NUL would be cut off by C and validate a different string.
        guard !value.utf8.contains(0) else {
            throw BusError(.invalidArgument, "invalid \(what) (contains NUL): \(value.debugDescription)")
        }
        let ok = try withDBusError(.invalidArgument) { error in
            value.withCString { validator($0, error) }
        }
        guard ok != 0 else {
            throw BusError(.invalidArgument, "invalid \(what): \(value.debugDescription)")
        }
    }
}
