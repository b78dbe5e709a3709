internal import CDBus

/// Owns one `DBusMessage*` (unreffed in `deinit`). Not thread-safe; built and used on the owner thread.
final class Message {
    let raw: OpaquePointer

    private init(owning raw: OpaquePointer) {
        self.raw = raw
    }

    deinit {
        dbus_message_unref(raw)
    }

    /// Takes over a reference the caller owns (e.g. from `dbus_pending_call_steal_reply`).
    static func adopting(_ raw: OpaquePointer) -> Message { Message(owning: raw) }

    static func methodCall(_ target: MethodTarget) throws(BusError) -> Message {
        let raw = withOptionalCString(target.destination) { destination in
            target.path.withCString { path in
                withOptionalCString(target.interface) { interface in
                    target.member.withCString { member in
                        dbus_message_new_method_call(destination, path, interface, member)
                    }
                }
            }
        }
        guard let raw else { throw outOfMemory }
        return Message(owning: raw)
    }

    static func signal(path: String, interface: String, member: String) throws(BusError) -> Message {
        let raw = path.withCString { p in
            interface.withCString { i in member.withCString { m in dbus_message_new_signal(p, i, m) } }
        }
        guard let raw else { throw outOfMemory }
        return Message(owning: raw)
    }

    /// A method return or error for `call`, built from what was kept of it (not the call itself).
    static func reply(_ reply: DBusReply, to call: DBusMethodCall) throws(BusError) -> Message {
        let type: Int32
        switch reply {
        case .success: type = DBUS_MESSAGE_TYPE_METHOD_RETURN
        case .error: type = DBUS_MESSAGE_TYPE_ERROR
        }
        guard let raw = dbus_message_new(type) else { throw outOfMemory }
        let message = Message(owning: raw)
        dbus_message_set_no_reply(raw, 1)
        guard dbus_message_set_reply_serial(raw, call.serial) != 0,
              withOptionalCString(call.sender, { dbus_message_set_destination(raw, $0) }) != 0
        else { throw outOfMemory }
        switch reply {
        case .success(let values):
            try message.append(values)
        case .error(let name, let text):
            let valid = (try? Validate.errorName(name)) != nil
            let errorName = valid ? name : BusError.Names.failed
            guard errorName.withCString({ dbus_message_set_error_name(raw, $0) }) != 0 else { throw outOfMemory }
            try message.append([.string(text.replacingNUL())])
        }
        return message
    }

    func append(_ values: [DBusValue]) throws(BusError) {
        try MessageWriter.append(values, to: raw)
    }

    func setDestination(_ destination: String) throws(BusError) {
        guard destination.withCString({ dbus_message_set_destination(raw, $0) }) != 0 else { throw Message.outOfMemory }
    }

    var type: Int32 { dbus_message_get_type(raw) }
    var sender: String? { dbus_message_get_sender(raw).map { String(cString: $0) } }
    var path: String? { dbus_message_get_path(raw).map { String(cString: $0) } }
    var interface: String? { dbus_message_get_interface(raw).map { String(cString: $0) } }
    var member: String? { dbus_message_get_member(raw).map { String(cString: $0) } }
    var serial: UInt32 { dbus_message_get_serial(raw) }
    var noReplyExpected: Bool { dbus_message_get_no_reply(raw) != 0 }

    static var outOfMemory: BusError { BusError(.invalidArgument, "libdbus ran out of memory building a message") }
}

/// Where a method call goes; validated before libdbus sees it (libdbus aborts on invalid names).
struct MethodTarget: Sendable {
    var destination: String?
    var path: String
    var interface: String?
    var member: String

    func validate() throws(BusError) {
        if let destination { try Validate.busName(destination) }
        try Validate.path(path)
        if let interface { try Validate.interface(interface) }
        try Validate.member(member)
    }
}

func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

extension String {
    /// D-Bus strings cannot hold NUL; error texts are ours to clean rather than to reject.
    func replacingNUL() -> String {
        utf8.contains(0) ? String(decoding: utf8.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self) : self
    }
}
