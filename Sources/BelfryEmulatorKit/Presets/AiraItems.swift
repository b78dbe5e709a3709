import BelfryCore
import FoundationEssentials

/// aira's pending item (aira.md): id (UUID of the action or case), type, notification_key
/// (`action:{id}` / `case:{id}`), title, description, href, created_at (string or null), read.
extension AiraAPI {
    static let samples: [[String: JSONValue]] = [
        ["type": "action_approval", "description": "transfer by agent-billing-bot", "read": false],
        ["type": "case_review", "description": "Consensus: reject \u{2014} disagreement 0.45", "read": true],
        ["type": "action_approval", "description": "refund by agent-support-bot", "read": false],
        ["type": "case_review", "description": "Consensus: approve \u{2014} disagreement 0.12", "read": false],
    ]

    func makeItem(_ partial: [String: JSONValue], now: Date, state: EmulatorState) throws(AdminError)
        -> (fields: [String: JSONValue], created: Date)
    {
        // created_at may be null in aira ("string|null"): such items sort last.
        let created = partial["created_at"] == .null ? Date(timeIntervalSince1970: 0) : try createdDate(partial, now: now)
        let type = partial["type"]?.string ?? "action_approval"
        let id = partial["id"]?.text ?? RandomID.uuid()
        let isCase = type == "case_review"
        let defaults: [String: JSONValue] = [
            "id": .string(id),
            "type": .string(type),
            "notification_key": .string("\(isCase ? "case" : "action"):\(id)"),
            "title": .string(isCase ? "Case requires review" : "Action requires approval"),
            "description": .string(isCase ? "Consensus: reject \u{2014} disagreement 0.45" : "transfer by agent-billing-bot"),
            "href": .string("/dashboard/\(isCase ? "cases" : "actions")/\(id)"),
            "created_at": .string(Timestamp.format(created)),
            "read": false,
        ]
        return (ItemDefaults.fill(partial, with: defaults), created)
    }

    func sampleItems(count: Int, now: Date) -> [[String: JSONValue]] {
        (0..<count).map {
            ItemDefaults.sample(
                Self.samples, index: $0, now: now, createdAt: { Timestamp.format($0) },
                readKey: "read", unreadValue: false)
        }
    }

    /// With an API key read state is not resolved: every item reads `read: false`.
    func render(_ item: StoredItem, caller: Caller) -> JSONValue {
        var fields = item.fields
        if caller == .apiKey { fields["read"] = false }
        return .object(fields)
    }

    func isRead(_ item: StoredItem) -> Bool { item["read"]?.bool ?? false }

    func markRead(_ item: inout StoredItem, at date: Date) { item["read"] = true }

    /// Newest first, at most 50 per type (the API's cap).
    func listOrder(_ items: [StoredItem]) -> [StoredItem] {
        var perType: [String: Int] = [:]
        return items.newestFirst().filter { item in
            let type = item["type"]?.string ?? ""
            perType[type, default: 0] += 1
            return perType[type]! <= Self.capPerType
        }
    }

    static let capPerType = 50
}
