/// An error from BelfryDBus: a code to branch on, the D-Bus error name when there is one, and a
/// human message.
public struct BusError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The bus could not be reached (bad address, refused, authentication failed).
        case connectFailed
        /// The connection went away (or was closed): pending calls fail with this.
        case disconnected
        /// The peer (or the bus) answered with a D-Bus error; `name` says which.
        case remote
        /// A name, path or value was not valid D-Bus; nothing was sent.
        case invalidArgument
        /// A message could not be read back into `DBusValue`s.
        case unsupportedMessage
    }

    public var code: Code
    /// The D-Bus error name, e.g. `org.freedesktop.DBus.Error.ServiceUnknown`, when one was given.
    public var name: String?
    public var message: String

    public init(_ code: Code, name: String? = nil, _ message: String) {
        self.code = code
        self.name = name
        self.message = message
    }

    public var description: String {
        if let name { return "\(name): \(message)" }
        return message
    }
}

extension BusError {
    /// Well-known D-Bus error names that callers branch on.
    public enum Names {
        public static let serviceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
        public static let nameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner"
        public static let noReply = "org.freedesktop.DBus.Error.NoReply"
        public static let disconnected = "org.freedesktop.DBus.Error.Disconnected"
        public static let failed = "org.freedesktop.DBus.Error.Failed"
        public static let unknownMethod = "org.freedesktop.DBus.Error.UnknownMethod"
        public static let invalidArgs = "org.freedesktop.DBus.Error.InvalidArgs"
    }
}
