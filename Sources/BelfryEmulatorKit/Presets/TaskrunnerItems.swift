import BelfryCore
import FoundationEssentials

/// taskrunner's coalesced notification row (taskrunner.md): ULID id, kind, severity, task_name, run_id,
/// title, body, fingerprint, count, occurrences (newest first), created_at, last_occurred_at, read_at
/// (absent when unread). Times carry milliseconds, as a Go daemon prints them.
extension TaskrunnerAPI {
    /// How many occurrence timestamps a row keeps.
    static let maxOccurrences = 10

    static let samples: [[String: JSONValue]] = [
        [
            "kind": "run.failed", "task_name": "nightly-backup", "title": "nightly-backup failed",
            "body": "exit status 1 after 42s: rsync: connection unexpectedly closed",
        ],
        [
            "kind": "notify.delivery_failed", "task_name": "", "run_id": "", "title": "Notification delivery failed",
            "body": "webhook answered 502 Bad Gateway; will retry in 5m",
        ],
        [
            "kind": "run.recovered", "task_name": "sync-photos", "title": "sync-photos recovered",
            "body": "succeeded after 2 failed runs",
        ],
        [
            "kind": "daemon.started", "task_name": "", "run_id": "", "title": "taskrunner started",
            "body": "12 tasks loaded from ~/.config/taskrunner/tasks.toml",
        ],
    ]

    static func severity(forKind kind: String) -> String {
        if kind.hasSuffix(".failed") && kind.hasPrefix("run.") { return "error" }
        if kind.hasSuffix("_failed") || kind.hasSuffix(".failed") { return "warn" }
        return "info"
    }

    func makeItem(_ partial: [String: JSONValue], now: Date, state: EmulatorState) throws(AdminError)
        -> (fields: [String: JSONValue], created: Date)
    {
        let created = try createdDate(partial, now: now)
        let createdText = JSONValue.string(Timestamp.format(created, fractional: true))
        let kind = partial["kind"]?.string ?? "run.failed"
        let isRun = kind.hasPrefix("run.")
        let task = partial["task_name"]?.string ?? (isRun ? "nightly-backup" : "")
        let defaults: [String: JSONValue] = [
            "id": .string(state.makeULID(for: created)),
            "kind": .string(kind),
            "severity": .string(Self.severity(forKind: kind)),
            "task_name": .string(task),
            "run_id": .string(isRun ? state.makeULID(for: created) : ""),
            "title": .string(task.isEmpty ? kind : "\(task): \(kind)"),
            "body": .string(isRun ? "exit status 1" : ""),
            "fingerprint": .string(RandomID.fnv1a("\(kind)|\(task)")),
            "count": 1,
            "occurrences": [createdText],
            "created_at": createdText,
            "last_occurred_at": createdText,
        ]
        var fields = ItemDefaults.fill(partial, with: defaults)
        if fields["read_at"] == .null { fields["read_at"] = nil }
        return (fields, created)
    }

    func sampleItems(count: Int, now: Date) -> [[String: JSONValue]] {
        (0..<count).map {
            ItemDefaults.sample(
                Self.samples, index: $0, now: now, createdAt: { Timestamp.format($0, fractional: true) },
                readKey: "read_at", unreadValue: .null)
        }
    }

    func render(_ item: StoredItem, caller: Caller) -> JSONValue { .object(item.fields) }

    /// id-descending, which for ULIDs is newest first.
    func listOrder(_ items: [StoredItem]) -> [StoredItem] { items.sorted { $0.id > $1.id } }

    func isRead(_ item: StoredItem) -> Bool { item["read_at"]?.string != nil }

    func markRead(_ item: inout StoredItem, at date: Date) {
        if !isRead(item) { item["read_at"] = .string(Timestamp.format(date, fractional: true)) }
    }

    /// One more occurrence of the same event: count + 1, newest timestamp first, same id and fingerprint.
    func repeatOccurrence(_ item: inout StoredItem, at date: Date) throws(AdminError) {
        let stamp = JSONValue.string(Timestamp.format(date, fractional: true))
        item["count"] = .number(Double((item["count"]?.int ?? 1) + 1))
        item["occurrences"] = .array(Array(([stamp] + (item["occurrences"]?.array ?? [])).prefix(Self.maxOccurrences)))
        item["last_occurred_at"] = stamp
    }
}
