import BelfryCore
import Glibc
import Synchronization

/// `--sink stdout`: one JSON line per popup on standard output instead of the desktop (no desktop,
/// demos, scripts). It has no actions; ids count up from 1.
public final class StdoutSink: DesktopSink {
    private let next = Atomic<UInt32>(1)
    public let events: AsyncStream<DesktopEvent>
    private let continuation: AsyncStream<DesktopEvent>.Continuation

    public init() {
        (events, continuation) = AsyncStream.makeStream()
    }

    public func serverInfo() async throws -> NotificationServerInfo {
        NotificationServerInfo(name: "stdout", vendor: "belfry", version: "1", specVersion: "1.2", capabilities: ["actions", "body"])
    }

    public func notify(_ n: DesktopNotification) async throws -> UInt32 {
        let id = n.replacesID != 0 ? n.replacesID : next.wrappingAdd(1, ordering: .relaxed).oldValue
        var o: [String: JSONValue] = [
            "id": .number(Double(id)), "title": .string(n.summary), "body": .string(n.body),
            "urgency": .string(Urgency(rawValue: n.hints.urgency)?.name ?? "normal"),
        ]
        if let k = n.itemKey { o["key"] = .string(k) } else { o["summary"] = .bool(true) }
        if let l = n.link { o["link"] = .string(l) }
        if n.replacesID != 0 { o["replaces"] = .number(Double(n.replacesID)) }
        let line = JSONValue.object(o).serialized() + "\n"
        Self.writeStdout(line)
        return id
    }

    static func writeStdout(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    public func close(id: UInt32) async throws {
        continuation.yield(.closed(id: id, reason: 3))
    }
}
