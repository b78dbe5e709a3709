internal import CDBus

/// The one place where a libdbus `DBusError` becomes a Swift error (and is freed).
///
/// `body` gets an initialised `DBusError`; if libdbus set it, it is turned into a `BusError` with
/// `code` (or `.disconnected` for the Disconnected error name) and thrown.
func withDBusError<T>(_ code: BusError.Code, _ body: (UnsafeMutablePointer<DBusError>) -> T) throws(BusError) -> T {
    var error = DBusError()
    dbus_error_init(&error)
    let result = body(&error)
    guard dbus_error_is_set(&error) != 0 else { return result }
    let name = error.name.map { String(cString: $0) }
    let message = error.message.map { String(cString: $0) } ?? "unknown D-Bus error"
    dbus_error_free(&error)
    if name == BusError.Names.disconnected {
        throw BusError(.disconnected, name: name, message)
    }
    throw BusError(code, name: name, message)
}

/// The error carried by an error reply, through the same funnel.
func errorFromReply(_ reply: OpaquePointer) -> BusError {
    do {
        try withDBusError(.remote) { error in _ = dbus_set_error_from_message(error, reply) }
    } catch {
        return error
    }
    return BusError(.remote, "error reply without an error name")
}
