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
        /// The id this server answered (what `CloseNotification` and `ActionInvoked` name).
        var id: UInt32 = 0
    }

    private struct State {
        var receipts: [Receipt] = []
        var nextID: UInt32 = 1
        var closed: [UInt32] = []
        /// Who waits for the receipt count to reach a number (`waitForReceipts`), by ticket.
        var waiters: [Int: (count: Int, continuation: CheckedContinuation<Bool, Never>)] = [:]
        var nextTicket = 0
    }

    private let connection: BusConnection
    private let state = Mutex(State())

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
            let (id, ready) = state.withLock { st -> (UInt32, [CheckedContinuation<Bool, Never>]) in
                st.receipts.append(Receipt(at: at, appName: s(0), summary: s(3), body: s(4), id: st.nextID))
                defer { st.nextID += 1 }
                var ready: [CheckedContinuation<Bool, Never>] = []
                for (ticket, w) in st.waiters where w.count <= st.receipts.count {
                    ready.append(w.continuation)
                    st.waiters[ticket] = nil
                }
                return (st.nextID, ready)
            }
            for continuation in ready { continuation.resume(returning: true) }
            return .success([.uint32(id)])
        case "GetCapabilities":
            return .success([.strings(["actions", "body", "persistence"])])
        case "GetServerInformation":
            return .success([.string("bench"), .string("belfry"), .string("1"), .string("1.2")])
        case "CloseNotification":
            // As the spec asks (and real servers do): the popup is gone, say so with NotificationClosed
            // (reason 3, closed by a call). Clients track their open popups by these signals.
            if case .uint32(let id)? = call.args.first {
                state.withLock { $0.closed.append(id) }
                let connection = self.connection
                Task {
                    try? await connection.emitSignal(path: "/org/freedesktop/Notifications", interface: "org.freedesktop.Notifications",
                                                     member: "NotificationClosed", args: [.uint32(id), .uint32(3)])
                }
            }
            return .success([])
        default:
            return .error(name: "org.freedesktop.DBus.Error.UnknownMethod", message: call.member)
        }
    }

    var count: Int { state.withLock { $0.receipts.count } }

    /// Returns once `count` receipts are in, woken by the Notify that makes it so: a waiter that
    /// polled (50 µs steps) kept the bench's own threads busy on the cores the agent runs on.
    func waitForReceipts(_ count: Int, timeout: Duration, what: @autoclosure () -> String) async throws {
        let arrived = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.arrival(count) }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !arrived { throw BenchError("timed out after \(timeout) waiting for \(what())") }
    }

    /// True when `count` receipts are in; false if the task is cancelled first.
    private func arrival(_ count: Int) async -> Bool {
        let ticket = state.withLock { st in defer { st.nextTicket += 1 }; return st.nextTicket }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { st -> Bool in
                    if st.receipts.count >= count || Task.isCancelled { return true }
                    st.waiters[ticket] = (count, continuation)
                    return false
                }
                if now { continuation.resume(returning: !Task.isCancelled) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: ticket) }?.continuation.resume(returning: false)
        }
    }
    var receipts: [Receipt] { state.withLock { $0.receipts } }
    func receipt(at index: Int) -> Receipt? { state.withLock { index < $0.receipts.count ? $0.receipts[index] : nil } }
    func reset() { state.withLock { $0.receipts.removeAll() } }
    /// Receipts from `index` on (a reader that keeps its place reads each receipt once).
    func receipts(from index: Int) -> [Receipt] { state.withLock { index < $0.receipts.count ? Array($0.receipts[index...]) : [] } }
    /// The ids named by `CloseNotification` calls, in order.
    var closedIDs: [UInt32] { state.withLock { $0.closed } }

    /// A click on one of a popup's action buttons, as a notification server reports it.
    func emitActionInvoked(id: UInt32, key: String) async throws {
        try await connection.emitSignal(path: "/org/freedesktop/Notifications", interface: "org.freedesktop.Notifications",
                                        member: "ActionInvoked", args: [.uint32(id), .string(key)])
    }

    func close() async { await connection.close() }
}
