import BelfryDBus
import Synchronization

/// A desktop portal (`org.freedesktop.portal.OpenURI`) or a user service manager
/// (`org.freedesktop.systemd1.Manager.StartTransientUnit`) for tests: owns the name on a private bus,
/// records every call with its arguments as typed on the wire, and answers as the real one does
/// (a request or job object path) without starting anything.
public final class FakeLauncher: Sendable {
    public enum Kind: Sendable {
        case portal
        case systemd

        var busName: String { self == .portal ? "org.freedesktop.portal.Desktop" : "org.freedesktop.systemd1" }
        var path: String { self == .portal ? "/org/freedesktop/portal/desktop" : "/org/freedesktop/systemd1" }
        var interface: String { self == .portal ? "org.freedesktop.portal.OpenURI" : "org.freedesktop.systemd1.Manager" }
        var member: String { self == .portal ? "OpenURI" : "StartTransientUnit" }
        var signature: String { self == .portal ? "ssa{sv}" : "ssa(sv)a(sa(sv))" }
    }

    /// One call as it arrived.
    public struct Call: Sendable, Equatable {
        public var member: String
        public var args: [DBusValue]
    }

    public let kind: Kind
    private let connection: BusConnection
    private let recorded = Mutex<[Call]>([])

    private init(kind: Kind, connection: BusConnection) {
        self.kind = kind
        self.connection = connection
    }

    /// Connects to the bus at `busAddress`, serves the interface and takes the name.
    public static func start(_ kind: Kind, busAddress: String) async throws -> FakeLauncher {
        let connection = try await BusConnection.connect(address: busAddress)
        let launcher = FakeLauncher(kind: kind, connection: connection)
        try connection.serve(path: kind.path, interface: kind.interface) { [weak launcher] call in
            guard let launcher else { return .error(name: BusError.Names.failed, message: "stopped") }
            return launcher.handle(call)
        }
        guard try await connection.requestName(kind.busName) == .primaryOwner else {
            await connection.close()
            throw TestSupportError("could not own \(kind.busName)")
        }
        return launcher
    }

    public var calls: [Call] { recorded.withLock { $0 } }

    /// Waits (bounded) until `count` calls arrived.
    public func waitForCalls(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [Call] {
        guard let calls = await Eventually.value(timeout: timeout, { self.calls.count >= count ? self.calls : nil }) else {
            throw TestSupportError("\(kind.member): \(calls.count) of \(count) calls within \(timeout)")
        }
        return calls
    }

    public func stop() async { await connection.close() }

    private func handle(_ call: DBusMethodCall) -> DBusReply {
        guard call.member == kind.member else {
            return .error(name: BusError.Names.unknownMethod, message: "no method \(call.member)")
        }
        let signature = call.args.map(\.signature).joined()
        guard signature == kind.signature else {
            return .error(name: BusError.Names.invalidArgs, message: "\(call.member) takes (\(kind.signature)), got (\(signature))")
        }
        let n = recorded.withLock { calls -> Int in
            calls.append(Call(member: call.member, args: call.args))
            return calls.count
        }
        return .success([.objectPath(kind == .portal ? "/org/freedesktop/portal/desktop/request/1_1/belfry\(n)"
                                                     : "/org/freedesktop/systemd1/job/\(n)")])
    }
}
