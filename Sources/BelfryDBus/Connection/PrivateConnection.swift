internal import CDBus

/// `dbus_threads_init_default()`, once per process, before any connection exists.
private let libdbusThreadsReady: Bool = dbus_threads_init_default() != 0

/// Owns one private libdbus connection (`dbus_connection_open_private`), closes and unrefs it in
/// `deinit`. Not thread-safe and deliberately not `Sendable`: only its owner thread touches it.
final class PrivateConnection {
    let raw: OpaquePointer
    /// The unique name the bus gave us in `Hello` (e.g. `:1.42`).
    let uniqueName: String
    private var closed = false

    /// Connects, authenticates and registers with the bus. Blocking: call it on the owner thread.
    init(address: String) throws(BusError) {
        guard libdbusThreadsReady else { throw BusError(.connectFailed, "dbus_threads_init_default failed") }
        guard !address.isEmpty, !address.utf8.contains(0) else {
            throw BusError(.connectFailed, "invalid D-Bus address \(address.debugDescription)")
        }
        let opened = try withDBusError(.connectFailed) { error in
            address.withCString { dbus_connection_open_private($0, error) }
        }
        guard let connection = opened else { throw BusError(.connectFailed, "cannot connect to \(address)") }
        // A lost bus must be reported, not end the process with _exit().
        dbus_connection_set_exit_on_disconnect(connection, 0)
        do throws(BusError) {
            let registered = try withDBusError(.connectFailed) { error in dbus_bus_register(connection, error) }
            guard registered != 0, let name = dbus_bus_get_unique_name(connection) else {
                throw BusError(.connectFailed, "Hello to the bus at \(address) failed")
            }
            uniqueName = String(cString: name)
        } catch {
            dbus_connection_close(connection)
            dbus_connection_unref(connection)
            throw error
        }
        raw = connection
    }

    var isConnected: Bool { dbus_connection_get_is_connected(raw) != 0 }

    /// Sends what is queued (when still connected), then closes. Idempotent.
    func close() {
        guard !closed else { return }
        closed = true
        if isConnected { dbus_connection_flush(raw) }
        dbus_connection_close(raw)
    }

    deinit {
        close()
        dbus_connection_unref(raw)
    }
}
