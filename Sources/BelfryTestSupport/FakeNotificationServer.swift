import BelfryDBus
import Synchronization

/// A notification server for tests: owns `org.freedesktop.Notifications` on a bus through
/// BelfryDBus, records every call with its arguments as typed on the wire, and emits the spec's
/// signals on demand. `stop()` drops its connection (so `NameOwnerChanged` fires); `start()` again
/// plays a server restart (records and the id counter carry on).
public final class FakeNotificationServer: Sendable {
    /// One `Notify` call as it arrived.
    public struct NotifyCall: Sendable, Equatable {
        public var appName: String
        public var replacesID: UInt32
        public var appIcon: String
        public var summary: String
        public var body: String
        /// Flat `[key, label, …]`, as sent.
        public var actions: [String]
        /// Each hint's value unwrapped from its variant, keeping its D-Bus type
        /// (`hints["urgency"] == .byte(2)`, `hints["urgency"]?.signature == "y"`).
        public var hints: [String: DBusValue]
        public var expireTimeout: Int32
        /// The id the server answered.
        public var returnedID: UInt32
        /// The caller's unique name.
        public var sender: String?
    }

    /// What `GetServerInformation` answers.
    public struct Info: Sendable, Equatable {
        public var name: String
        public var vendor: String
        public var version: String
        public var specVersion: String
        public init(name: String = "fake", vendor: String = "belfry-tests", version: String = "1.0",
                    specVersion: String = "1.2") {
            self.name = name
            self.vendor = vendor
            self.version = version
            self.specVersion = specVersion
        }
    }

    public static let defaultCapabilities = ["actions", "body", "body-markup", "persistence"]
    static let busName = "org.freedesktop.Notifications"
    static let path = "/org/freedesktop/Notifications"
    static let interface = "org.freedesktop.Notifications"

    private struct State {
        var connection: BusConnection?
        var notifyCalls: [NotifyCall] = []
        var closeCalls: [UInt32] = []
        var nextID: UInt32 = 1
        /// `holdReplies()`: Notify is recorded, its answer waits for `releaseReplies()`.
        var holding = false
        var held: [CheckedContinuation<Void, Never>] = []
    }

    public let busAddress: String
    public let capabilities: [String]
    public let info: Info
    private let state = Mutex(State())

    public init(busAddress: String, capabilities: [String] = defaultCapabilities, info: Info = Info()) {
        self.busAddress = busAddress
        self.capabilities = capabilities
        self.info = info
    }

    /// Creates a server and starts it.
    public static func start(
        busAddress: String, capabilities: [String] = defaultCapabilities, info: Info = Info()
    ) async throws -> FakeNotificationServer {
        let server = FakeNotificationServer(busAddress: busAddress, capabilities: capabilities, info: info)
        try await server.start()
        return server
    }

    /// Connects, serves the interface and takes the name (fails if someone else has it).
    public func start() async throws {
        let old = state.withLock { state -> BusConnection? in defer { state.connection = nil }; return state.connection }
        await old?.close()
        let connection = try await BusConnection.connect(address: busAddress)
        try connection.serve(path: Self.path, interface: Self.interface) { [weak self, weak connection] call in
            guard let self, let connection else { return .error(name: BusError.Names.failed, message: "stopped") }
            return await self.handle(call, on: connection)
        }
        let result = try await connection.requestName(Self.busName)
        guard result == .primaryOwner else {
            await connection.close()
            throw TestSupportError("could not own \(Self.busName): \(result)")
        }
        state.withLock { $0.connection = connection }
    }

    /// Disconnects from the bus; the name is released with it.
    public func stop() async {
        releaseReplies()
        let connection = state.withLock { state -> BusConnection? in defer { state.connection = nil }; return state.connection }
        await connection?.close()
    }

    public var notifyCalls: [NotifyCall] { state.withLock { $0.notifyCalls } }

    /// Plays a stalled server: from now on each `Notify` is recorded when it is handled, but its
    /// answer waits until `releaseReplies()`. Calls are served one at a time (as a real server's
    /// main loop does), so the calls after a held one are not handled (nor recorded) meanwhile.
    public func holdReplies() { state.withLock { $0.holding = true } }

    /// Answers the held `Notify` and stops holding.
    public func releaseReplies() {
        let held = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.holding = false
            defer { s.held.removeAll() }
            return s.held
        }
        for c in held { c.resume() }
    }
    public var closeCalls: [UInt32] { state.withLock { $0.closeCalls } }

    /// Returns the first `count` Notify calls once that many arrived; throws after `timeout`.
    public func waitForNotifyCalls(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [NotifyCall] {
        let calls = await Eventually.value(timeout: timeout) { () -> [NotifyCall]? in
            let calls = self.notifyCalls
            return calls.count >= count ? calls : nil
        }
        guard let calls else {
            throw TestSupportError("waited \(timeout) for \(count) Notify calls, got \(notifyCalls.count)")
        }
        return Array(calls.prefix(count))
    }

    public func emitActionInvoked(id: UInt32, key: String) async throws {
        try await emit("ActionInvoked", [.uint32(id), .string(key)])
    }

    public func emitActivationToken(id: UInt32, token: String) async throws {
        try await emit("ActivationToken", [.uint32(id), .string(token)])
    }

    public func emitNotificationClosed(id: UInt32, reason: UInt32) async throws {
        try await emit("NotificationClosed", [.uint32(id), .uint32(reason)])
    }

    private func emit(_ member: String, _ args: [DBusValue]) async throws {
        guard let connection = state.withLock({ $0.connection }) else {
            throw TestSupportError("the fake notification server is not running")
        }
        try await connection.emitSignal(path: Self.path, interface: Self.interface, member: member, args: args)
    }

    // MARK: - Serving

    private func handle(_ call: DBusMethodCall, on connection: BusConnection) async -> DBusReply {
        switch call.member {
        case "Notify":
            let reply = notify(call)
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    guard s.holding else { return true }
                    s.held.append(c)
                    return false
                }
                if now { c.resume() }
            }
            return reply
        case "CloseNotification":
            guard call.args.count == 1, let id = call.args[0].uint32Value, case .uint32 = call.args[0] else {
                return invalidArgs(call, expected: "u")
            }
            state.withLock { $0.closeCalls.append(id) }
            try? await connection.emitSignal(path: Self.path, interface: Self.interface,
                                              member: "NotificationClosed", args: [.uint32(id), .uint32(3)])
            return .success([])
        case "GetCapabilities":
            return .success([.strings(capabilities)])
        case "GetServerInformation":
            return .success([.string(info.name), .string(info.vendor), .string(info.version), .string(info.specVersion)])
        default:
            return .error(name: BusError.Names.unknownMethod, message: "no method \(call.member)")
        }
    }

    private func notify(_ call: DBusMethodCall) -> DBusReply {
        let signature = call.args.map(\.signature).joined()
        guard signature == "susssasa{sv}i",
              case .string(let appName) = call.args[0], case .uint32(let replacesID) = call.args[1],
              case .string(let appIcon) = call.args[2], case .string(let summary) = call.args[3],
              case .string(let body) = call.args[4], case .array(_, let actionValues) = call.args[5],
              case .dict(_, _, let hintEntries) = call.args[6], case .int32(let expireTimeout) = call.args[7]
        else { return invalidArgs(call, expected: "susssasa{sv}i") }
        var hints: [String: DBusValue] = [:]
        for entry in hintEntries {
            guard case .string(let key) = entry.key, case .variant(let value) = entry.value else { continue }
            hints[key] = value
        }
        let id = state.withLock { state -> UInt32 in
            let id: UInt32
            if replacesID != 0 {
                id = replacesID
            } else {
                id = state.nextID
                state.nextID += 1
            }
            state.notifyCalls.append(NotifyCall(
                appName: appName, replacesID: replacesID, appIcon: appIcon, summary: summary, body: body,
                actions: actionValues.compactMap(\.stringValue), hints: hints, expireTimeout: expireTimeout,
                returnedID: id, sender: call.sender))
            return id
        }
        return .success([.uint32(id)])
    }

    private func invalidArgs(_ call: DBusMethodCall, expected: String) -> DBusReply {
        .error(name: BusError.Names.invalidArgs,
               message: "\(call.member) takes (\(expected)), got (\(call.args.map(\.signature).joined()))")
    }
}
