import BelfryCore
import FoundationEssentials

/// jaot's notification object (jaot.md): id `ntf_…`, type, title, message, data, link, is_read, created_at.
extension JaotAPI {
    /// Per type: title, message, data and link used when an admin-posted item leaves them out.
    static let typeDefaults: [String: [String: JSONValue]] = [
        "execution_complete": [
            "title": "Solve completed",
            "message": "Your warehouse allocation optimization finished with status: optimal",
            "data": ["execution_id": "exe_9a1b2c3d", "objective_value": 1250.50],
            "link": "/executions/exe_9a1b2c3d",
        ],
        "execution_failed": [
            "title": "Solve failed",
            "message": "Your fleet routing optimization failed: infeasible model",
            "data": ["execution_id": "exe_4f5e6d7c"],
            "link": "/executions/exe_4f5e6d7c",
        ],
        "credits_low": [
            "title": "Low credit balance",
            "message": "Your organization has 15 credits remaining. Consider purchasing more.",
            "data": ["credits_remaining": 15],
            "link": "/workspace/credits",
        ],
        "credits_purchased": [
            "title": "Credits purchased",
            "message": "500 credits were added to your organization.",
            "data": ["credits_added": 500],
            "link": "/workspace/credits",
        ],
        "subscription_updated": [
            "title": "Subscription updated",
            "message": "Your plan changed to Team.",
            "data": ["plan": "team"],
            "link": "/workspace/billing",
        ],
        "system": [
            "title": "Scheduled maintenance",
            "message": "The solver cluster will be upgraded on Saturday 02:00-03:00 UTC.",
            "data": [:],
            "link": "/status",
        ],
    ]

    /// The document's two examples first, then one of each remaining type.
    static let samples: [[String: JSONValue]] = [
        ["id": "ntf_a1b2c3d4", "type": "execution_complete", "is_read": false],
        ["id": "ntf_e5f6g7h8", "type": "credits_low", "is_read": false],
        ["type": "execution_failed", "is_read": false],
        ["type": "credits_purchased", "is_read": true],
        ["type": "subscription_updated", "is_read": true],
        ["type": "system", "is_read": false],
    ]

    func makeItem(_ partial: [String: JSONValue], now: Date, state: EmulatorState) throws(AdminError)
        -> (fields: [String: JSONValue], created: Date)
    {
        let created = try createdDate(partial, now: now)
        let type = partial["type"]?.string ?? "execution_complete"
        var defaults = Self.typeDefaults[type]
            ?? ["title": "Notification", "message": "", "data": [:], "link": "/notifications"]
        defaults["id"] = .string(RandomID.short(prefix: "ntf_"))
        defaults["type"] = .string(type)
        defaults["is_read"] = false
        defaults["created_at"] = .string(Timestamp.format(created))
        return (ItemDefaults.fill(partial, with: defaults), created)
    }

    func sampleItems(count: Int, now: Date) -> [[String: JSONValue]] {
        (0..<count).map {
            ItemDefaults.sample(
                Self.samples, index: $0, now: now, createdAt: { Timestamp.format($0) },
                readKey: "is_read", unreadValue: false)
        }
    }

    func render(_ item: StoredItem, caller: Caller) -> JSONValue { .object(item.fields) }

    func isRead(_ item: StoredItem) -> Bool { item["is_read"]?.bool ?? false }

    func markRead(_ item: inout StoredItem, at date: Date) { item["is_read"] = true }
}
