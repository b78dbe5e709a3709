import BelfryCore

/// Names and marshalling of `org.freedesktop.Notifications` (spec 1.2).
enum NotificationsProtocol {
    static let busName = "org.freedesktop.Notifications"
    static let path = "/org/freedesktop/Notifications"
    static let interface = "org.freedesktop.Notifications"

    /// The signals a client listens to. No destination in the rules: GNOME unicasts them to the
    /// caller, mako broadcasts.
    static let matchRules = [
        "type='signal',interface='org.freedesktop.Notifications',member='ActionInvoked'",
        "type='signal',interface='org.freedesktop.Notifications',member='ActivationToken'",
        "type='signal',interface='org.freedesktop.Notifications',member='NotificationClosed'",
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
            + "member='NameOwnerChanged',arg0='org.freedesktop.Notifications'",
    ]

    /// `Notify(s app_name, u replaces_id, s app_icon, s summary, s body, as actions, a{sv} hints, i expire_timeout)`.
    static func notifyArgs(_ notification: DesktopNotification) -> [DBusValue] {
        [
            .string(notification.appName),
            .uint32(notification.replacesID),
            .string(notification.appIcon),
            .string(notification.summary),
            .string(notification.body),
            .strings(notification.actions.flatMap { [$0.key, $0.label] }),
            hints(notification.hints),
            .int32(notification.expireTimeout),
        ]
    }

    /// Only the hints that are set; `urgency` always, as a byte.
    static func hints(_ hints: NotificationHints) -> DBusValue {
        var entries: [(String, DBusValue)] = [("urgency", .byte(hints.urgency))]
        if let category = hints.category { entries.append(("category", .string(category))) }
        if let desktopEntry = hints.desktopEntry { entries.append(("desktop-entry", .string(desktopEntry))) }
        if let transient = hints.transient { entries.append(("transient", .bool(transient))) }
        if let imagePath = hints.imagePath { entries.append(("image-path", .string(imagePath))) }
        return .vardict(entries)
    }

    /// A signal about the server's popups or presence, as a `DesktopEvent` (ownership not checked).
    enum Incoming {
        case popup(id: UInt32, DesktopEvent)
        /// `hadOwner`: someone owned the name just before (a takeover when both are true).
        case ownerChanged(hadOwner: Bool, hasOwner: Bool)
    }

    static func decode(_ signal: DBusSignal) -> Incoming? {
        if signal.interface == "org.freedesktop.DBus", signal.member == "NameOwnerChanged",
           signal.sender == "org.freedesktop.DBus", signal.args.count == 3,
           signal.args[0].stringValue == busName, let oldOwner = signal.args[1].stringValue,
           let newOwner = signal.args[2].stringValue {
            return .ownerChanged(hadOwner: !oldOwner.isEmpty, hasOwner: !newOwner.isEmpty)
        }
        guard signal.interface == interface, signal.args.count == 2,
              let id = signal.args[0].uint32Value else { return nil }
        switch signal.member {
        case "ActionInvoked":
            guard let key = signal.args[1].stringValue else { return nil }
            return .popup(id: id, .actionInvoked(id: id, key: key))
        case "ActivationToken":
            guard let token = signal.args[1].stringValue else { return nil }
            return .popup(id: id, .activationToken(id: id, token: token))
        case "NotificationClosed":
            guard let reason = signal.args[1].uint32Value else { return nil }
            return .popup(id: id, .closed(id: id, reason: reason))
        default:
            return nil
        }
    }
}
