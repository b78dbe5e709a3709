/// A signal as it arrived.
public struct DBusSignal: Sendable, Equatable {
    /// Unique name of the emitter (`org.freedesktop.DBus` for the bus itself).
    public var sender: String?
    public var path: String
    public var interface: String
    public var member: String
    public var args: [DBusValue]

    public init(sender: String?, path: String, interface: String, member: String, args: [DBusValue]) {
        self.sender = sender
        self.path = path
        self.interface = interface
        self.member = member
        self.args = args
    }
}

/// A method call to an object served with `BusConnection.serve`.
public struct DBusMethodCall: Sendable {
    public var sender: String?
    public var path: String
    public var interface: String
    public var member: String
    public var args: [DBusValue]
    /// The call's serial, which the reply refers to.
    let serial: UInt32
    let noReplyExpected: Bool
}

/// What a served method answers.
public enum DBusReply: Sendable, Equatable {
    case success([DBusValue])
    /// A D-Bus error name (e.g. `org.freedesktop.DBus.Error.InvalidArgs`) and a message.
    case error(name: String, message: String)
}

/// The answers `RequestName` gives (`DBUS_REQUEST_NAME_REPLY_*`).
public enum NameRequestResult: UInt32, Sendable {
    case primaryOwner = 1
    case inQueue = 2
    case exists = 3
    case alreadyOwner = 4
}

/// Flags for `RequestName` (`DBUS_NAME_FLAG_*`).
public struct NameRequestFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let allowReplacement = NameRequestFlags(rawValue: 0x1)
    public static let replaceExisting = NameRequestFlags(rawValue: 0x2)
    public static let doNotQueue = NameRequestFlags(rawValue: 0x4)
}
