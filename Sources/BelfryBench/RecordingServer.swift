import BelfryDBus
import Glibc
import Synchronization

/// A notification server that timestamps every `Notify` the moment its handler runs (CLOCK_MONOTONIC,
/// the same clock the benchmarks stamp the emulator writes with) and answers at once.
final class RecordingServer: Sendable {
    struct Receipt: Sendable {
        var at: UInt64
        var appName: String
        var summary: String
        var body: String
    }

    private let connection: BusConnection
    private let state = Mutex<(receipts: [Receipt], nextID: UInt32)>(([], 1))

    private init(connection: BusConnection) { self.connection = connection }

    static func start(busAddress: String) async throws -> RecordingServer {
        let connection = try await BusConnection.connect(address: busAddress)
        let server = RecordingServer(connection: connection)
        try connection.serve(path: "/org/freedesktop/Notifications", interface: "org.freedesktop.Notifications") { [server] call in
            server.handle(call)
        }
        let result = try await connection.requestName("org.freedesktop.Notifications")
        guard result == .primaryOwner else { throw BenchError("could not own org.freedesktop.Notifications: \(result)") }
        return server
    }

    private func handle(_ call: DBusMethodCall) -> DBusReply {
        let at = nowNS()
        switch call.member {
        case "Notify":
            func s(_ i: Int) -> String { if call.args.count > i, case .string(let v) = call.args[i] { return v }; return "" }
            let id = state.withLock { st -> UInt32 in
                st.receipts.append(Receipt(at: at, appName: s(0), summary: s(3), body: s(4)))
                defer { st.nextID += 1 }
                return st.nextID
            }
            return .success([.uint32(id)])
        case "GetCapabilities":
            return .success([.strings(["actions", "body", "persistence"])])
        case "GetServerInformation":
            return .success([.string("bench"), .string("belfry"), .string("1"), .string("1.2")])
        case "CloseNotification":
            return .success([])
        default:
            return .error(name: "org.freedesktop.DBus.Error.UnknownMethod", message: call.member)
        }
    }

    var count: Int { state.withLock { $0.receipts.count } }
    var receipts: [Receipt] { state.withLock { $0.receipts } }
    func receipt(at index: Int) -> Receipt? { state.withLock { index < $0.receipts.count ? $0.receipts[index] : nil } }
    func reset() { state.withLock { $0.receipts.removeAll() } }

    func close() async { await connection.close() }
}
