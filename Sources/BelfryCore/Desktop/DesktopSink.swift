/// A button on a popup: `key` comes back in `DesktopEvent.actionInvoked`. Key `default` is a click on the body.
public struct NotificationAction: Sendable, Equatable {
    public var key: String
    public var label: String
    public init(key: String, label: String) {
        self.key = key
        self.label = label
    }
}

/// Hints of the freedesktop notification spec that Belfry sets. `urgency` goes on the bus as a byte.
public struct NotificationHints: Sendable, Equatable {
    public var urgency: UInt8
    public var category: String?
    public var desktopEntry: String?
    public var transient: Bool?
    public var imagePath: String?
    public init(urgency: UInt8 = 1, category: String? = nil, desktopEntry: String? = nil,
                transient: Bool? = nil, imagePath: String? = nil) {
        self.urgency = urgency
        self.category = category
        self.desktopEntry = desktopEntry
        self.transient = transient
        self.imagePath = imagePath
    }
}

/// Everything `org.freedesktop.Notifications.Notify` takes.
public struct DesktopNotification: Sendable, Equatable {
    public var appName: String
    public var replacesID: UInt32
    public var appIcon: String
    public var summary: String
    public var body: String
    public var actions: [NotificationAction]
    public var hints: NotificationHints
    /// Milliseconds; -1 lets the server decide, 0 never expires.
    public var expireTimeout: Int32
    /// Not sent on the bus: the item this popup shows (`SOURCE:ID`), for sinks that print instead.
    public var itemKey: String?
    /// Not sent on the bus: the resolved deep link, for sinks that print instead.
    public var link: String?

    public init(appName: String, replacesID: UInt32 = 0, appIcon: String = "", summary: String,
                body: String, actions: [NotificationAction] = [], hints: NotificationHints = .init(),
                expireTimeout: Int32 = -1, itemKey: String? = nil, link: String? = nil) {
        self.itemKey = itemKey
        self.link = link
        self.appName = appName
        self.replacesID = replacesID
        self.appIcon = appIcon
        self.summary = summary
        self.body = body
        self.actions = actions
        self.hints = hints
        self.expireTimeout = expireTimeout
    }
}

/// What the notification server tells us about, filtered to notifications this sink created.
public enum DesktopEvent: Sendable, Equatable {
    case actionInvoked(id: UInt32, key: String)
    /// Arrives before the matching `actionInvoked`; hand it to the launched program.
    case activationToken(id: UInt32, token: String)
    /// Reasons: 1 expired, 2 dismissed by the user, 3 closed by a call, 4 undefined.
    case closed(id: UInt32, reason: UInt32)
    /// A notification server took the name (first time or after a restart): ids from before are stale.
    case serverAppeared
    /// The name has no owner any more (server quit or crashed).
    case serverVanished
    /// The bus itself went away (the session's dbus-daemon stopped or crashed): ids from before are
    /// stale and no server is reachable until it is back. The sink reconnects by itself and reports
    /// `serverAppeared` once a server is there again.
    case busLost
}

/// Name and version from `GetServerInformation`, plus `GetCapabilities`.
public struct NotificationServerInfo: Sendable, Equatable {
    public var name: String
    public var vendor: String
    public var version: String
    public var specVersion: String
    public var capabilities: Set<String>
    public init(name: String, vendor: String, version: String, specVersion: String, capabilities: Set<String>) {
        self.name = name
        self.vendor = vendor
        self.version = version
        self.specVersion = specVersion
        self.capabilities = capabilities
    }
}

public struct DesktopError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// No process owns org.freedesktop.Notifications (and none could be activated).
        case noServer
        /// The session bus is unreachable or went away.
        case disconnected
        /// The server answered with a D-Bus error.
        case failed
    }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

/// The seam between the core and the desktop (libdbus in the agent, stdout or a recorder elsewhere).
public protocol DesktopSink: Sendable {
    /// Asks the server who it is and what it can do. Throws `DesktopError.noServer` when none is there.
    func serverInfo() async throws -> NotificationServerInfo
    /// Shows (or with `replacesID` replaces) a popup and returns its id (> 0).
    func notify(_ notification: DesktopNotification) async throws -> UInt32
    /// Sends a popup without waiting for the server's answer, so that many can be in flight: popups
    /// submitted one after another reach the server in that order. Throws what `notify` throws when
    /// it cannot even be sent; `PendingPopup.id()` throws it for a failure after that. The default
    /// waits for `notify` (for sinks that answer at once).
    func submit(_ notification: DesktopNotification) async throws -> PendingPopup
    /// Closes a popup this sink showed; unknown ids are ignored.
    func close(id: UInt32) async throws
    /// Signals about this sink's popups and the server's presence. A single consumer iterates it.
    var events: AsyncStream<DesktopEvent> { get }
    /// Opens a link outside the agent's own unit, as desktop launchers do (see `LaunchRoute`):
    /// `url` through the OpenURI portal when `defaultHandler` (the opener is plain `xdg-open`) and a
    /// portal runs, else `argv` (the opener and the URL) as a transient unit of the user's service
    /// manager. Returns the route taken, `.direct` when neither is there: the caller then starts
    /// `argv` itself. The default implementation always answers `.direct`.
    func launch(_ argv: [String], url: String, defaultHandler: Bool, activationToken: String?) async -> LaunchRoute
}

/// How a link was opened. A program started by the agent itself lives in the agent's unit (cgroup):
/// `systemctl --user restart belfry` would kill the user's browser with it, and it would inherit the
/// unit's hardening (`NoNewPrivileges`, `UMask=0077`). The portal and a transient unit avoid both.
public enum LaunchRoute: String, Sendable, Equatable, CustomStringConvertible {
    /// `org.freedesktop.portal.OpenURI.OpenURI`, with the activation token.
    case portal = "the OpenURI portal"
    /// `org.freedesktop.systemd1.Manager.StartTransientUnit`: an `app-belfry-….service` running the opener.
    case transientUnit = "a transient unit of the user's service manager"
    /// Neither is there: the opener as a child of the agent.
    case direct = "the opener started directly (no portal, no user service manager)"

    public var description: String { rawValue }
}

extension DesktopSink {
    public func launch(_ argv: [String], url: String, defaultHandler: Bool, activationToken: String?) async -> LaunchRoute {
        .direct
    }

    public func submit(_ notification: DesktopNotification) async throws -> PendingPopup {
        PendingPopup(answered: .success(try await notify(notification)))
    }
}

/// A popup sent to the notification server whose id may not have come back yet.
public struct PendingPopup: Sendable {
    /// Set when the answer was there at once (then `id()` does not suspend).
    public let answered: Result<UInt32, any Error>?
    private let wait: @Sendable () async throws -> UInt32

    /// `wait` returns the id once the server answered; it may be called more than once.
    public init(wait: @escaping @Sendable () async throws -> UInt32) {
        self.answered = nil
        self.wait = wait
    }

    public init(answered: Result<UInt32, any Error>) {
        self.answered = answered
        self.wait = { try answered.get() }
    }

    /// The popup's id (> 0), once the server answered.
    public func id() async throws -> UInt32 {
        if let answered { return try answered.get() }
        return try await wait()
    }
}
