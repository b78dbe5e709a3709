import BelfryCore

/// The desktop sink on D-Bus: `org.freedesktop.Notifications` on the session bus (or the bus at an
/// address given to `init`).
///
/// Connects on first use; after the bus went away, it connects again by itself (SessionLink, with
/// a bounded backoff; a call meanwhile tries at once) and re-adds its match rules. `events` carries
/// only signals about popups this instance created, plus the server's comings and goings
/// (`NameOwnerChanged`); a lost bus reads as `busLost`, and a reconnect that finds a server as
/// `serverAppeared`.
public final class DBusNotifications: DesktopSink {
    public let events: AsyncStream<DesktopEvent>
    private let tracker: PopupTracker
    private let link: SessionLink
    private let callTimeout: Duration

    /// `busAddress` nil means the session bus. `callTimeout` bounds each call to the server.
    public init(busAddress: String? = nil, callTimeout: Duration = .seconds(25)) {
        let (events, continuation) = AsyncStream<DesktopEvent>.makeStream()
        self.events = events
        self.tracker = PopupTracker(continuation: continuation)
        self.link = SessionLink(address: busAddress, tracker: tracker)
        self.callTimeout = callTimeout
    }

    deinit {
        tracker.finish()
    }

    /// Connects now (and adds the match rules) so server events flow before the first popup.
    /// Idempotent; every other method does it when needed.
    public func connect() async throws {
        _ = try await perform { _, _ throws(BusError) in () }
    }

    public func serverInfo() async throws -> NotificationServerInfo {
        try await perform { connection, _ throws(BusError) in
            let info = try await connection.call(
                NotificationsProtocol.target("GetServerInformation"), args: [], timeout: callTimeout, onReply: nil)
            let capabilities = try await connection.call(
                NotificationsProtocol.target("GetCapabilities"), args: [], timeout: callTimeout, onReply: nil)
            let strings = info.compactMap(\.stringValue)
            guard strings.count == 4, let names = capabilities.first?.arrayValue else {
                throw BusError(.unsupportedMessage, "unexpected server information \(info) / \(capabilities)")
            }
            return NotificationServerInfo(
                name: strings[0], vendor: strings[1], version: strings[2], specVersion: strings[3],
                capabilities: Set(names.compactMap(\.stringValue)))
        }
    }

    public func notify(_ notification: DesktopNotification) async throws -> UInt32 {
        try await submit(notification).id()
    }

    /// Queues the `Notify` call on the connection and returns before the reply: the agent keeps
    /// many popups in flight under load instead of paying a bus round trip per popup.
    public func submit(_ notification: DesktopNotification) async throws -> PendingPopup {
        let (reply, connection) = try await perform { connection, generation throws(BusError) in
            // The id is owned on the connection's thread, before any signal about it is looked at.
            let reply = try connection.send(
                NotificationsProtocol.target("Notify"), args: NotificationsProtocol.notifyArgs(notification),
                timeout: callTimeout, onReply: { [tracker] values in
                    if let id = values.first?.uint32Value, id > 0 { tracker.own(id, generation: generation) }
                })
            return (reply, connection)
        }
        return PendingPopup { [link] in
            do throws(BusError) {
                let values = try await reply.value()
                guard let id = values.first?.uint32Value, id > 0 else {
                    throw BusError(.unsupportedMessage, "Notify answered \(values), not an id")
                }
                return id
            } catch {
                if error.code == .disconnected { await link.invalidate(connection) }
                throw Self.desktopError(error)
            }
        }
    }

    /// Closes an owned popup. Ids this instance does not own, and servers answering that the popup
    /// is already gone, are ignored.
    public func close(id: UInt32) async throws {
        guard tracker.owns(id) else { return }
        try await perform { connection, _ throws(BusError) in
            do throws(BusError) {
                _ = try await connection.call(
                    NotificationsProtocol.target("CloseNotification"), args: [.uint32(id)],
                    timeout: callTimeout, onReply: nil)
            } catch where error.code == .remote && !Self.isNoServer(error) {
                return
            }
        }
    }

    /// Closes the connection and ends `events`.
    public func shutdown() async {
        tracker.finish()
        await link.shutdown()
    }

    func perform<T: Sendable>(
        _ body: (BusConnection, Int) async throws(BusError) -> T
    ) async throws(DesktopError) -> T {
        let connection: BusConnection
        let generation: Int
        if let live = link.live {
            (connection, generation) = live
        } else {
            do {
                (connection, generation) = try await link.connection()
            } catch {
                throw Self.desktopError(error)
            }
        }
        do {
            return try await body(connection, generation)
        } catch {
            if error.code == .disconnected { await link.invalidate(connection) }
            throw Self.desktopError(error)
        }
    }

    static func isNoServer(_ error: BusError) -> Bool {
        error.name == BusError.Names.serviceUnknown || error.name == BusError.Names.nameHasNoOwner
    }

    static func desktopError(_ error: BusError) -> DesktopError {
        switch error.code {
        case .connectFailed, .disconnected:
            return DesktopError(.disconnected, "session bus unavailable: \(error)")
        case .remote where isNoServer(error):
            return DesktopError(.noServer, "no notification server on the bus: \(error)")
        default:
            return DesktopError(.failed, "notification server error: \(error)")
        }
    }
}

extension NotificationsProtocol {
    static func target(_ member: String) -> MethodTarget {
        MethodTarget(destination: busName, path: path, interface: interface, member: member)
    }
}
