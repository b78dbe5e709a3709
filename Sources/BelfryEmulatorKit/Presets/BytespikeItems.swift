import BelfryCore
import FoundationEssentials

/// bytespike's notification row (bytespike.md): integer id, type (one of five catalog events), title,
/// body, link (string or null), read_at (null = unread), created_at.
extension BytespikeAPI {
    static let catalog: Set<String> = [
        "system.payment.received", "system.balance.notify.dispatched", "admin.org.member.add",
        "admin.api_key.revoke", "org.api_key.revoke",
    ]

    static let typeDefaults: [String: [String: JSONValue]] = [
        "system.payment.received": [
            "title": "Payment received \u{00B7} $25.00",
            "body": "Your top-up has cleared. Available balance is now $31.40.", "link": "/billing",
        ],
        "system.balance.notify.dispatched": [
            "title": "Low balance \u{00B7} $4.20 left",
            "body": "Your balance crossed the $5.00 threshold you set.", "link": "/billing",
        ],
        "admin.org.member.add": [
            "title": "New member in Acme Inc",
            "body": "dana@acme.test was added to Acme Inc as developer.", "link": "/org/members",
        ],
        "admin.api_key.revoke": [
            "title": "API key revoked",
            "body": "A platform admin revoked your personal key sk-...7f3a.", "link": "/keys",
        ],
        "org.api_key.revoke": [
            "title": "Org key revoked",
            "body": "An org admin revoked the org key ci-deploy (sk-...91bc).", "link": .null,
        ],
    ]

    /// The document's two examples (5006 is read), then one of each other catalog type.
    static let samples: [[String: JSONValue]] = [
        ["id": 5001, "type": "system.payment.received", "read_at": .null],
        [
            "id": 5006, "type": "system.payment.received", "title": "Payment received \u{00B7} $50.00",
            "body": "Stripe receipt #ch_3PYj-mock-49. Your balance is now $54.80.", "read_at": true,
        ],
        ["type": "system.balance.notify.dispatched", "read_at": .null],
        ["type": "admin.org.member.add", "read_at": .null],
        ["type": "admin.api_key.revoke", "read_at": .null],
        ["type": "org.api_key.revoke", "read_at": true],
    ]

    func makeItem(_ partial: [String: JSONValue], now: Date, state: EmulatorState) throws(AdminError)
        -> (fields: [String: JSONValue], created: Date)
    {
        let created = try createdDate(partial, now: now)
        var partial = partial
        if let given = partial["id"] {
            guard let id = given.int ?? given.string.flatMap({ Int($0) }) else {
                throw AdminError("bytespike ids are integers")
            }
            partial["id"] = .number(Double(id))
        }
        // Only when the item brings no id: finding the highest is a pass over every stored item.
        let nextID = partial["id"] == nil ? (state.items.compactMap { $0["id"]?.int }.max() ?? 5000) + 1 : 0
        let type = partial["type"]?.string ?? "system.payment.received"
        var defaults = Self.typeDefaults[type] ?? ["title": "Notification", "body": "", "link": .null]
        defaults["id"] = .number(Double(nextID))
        defaults["type"] = .string(type)
        defaults["read_at"] = .null
        defaults["created_at"] = .string(Timestamp.format(created))
        return (ItemDefaults.fill(partial, with: defaults), created)
    }

    func sampleItems(count: Int, now: Date) -> [[String: JSONValue]] {
        (0..<count).map { index in
            var item = ItemDefaults.sample(
                Self.samples, index: index, now: now, createdAt: { Timestamp.format($0) },
                readKey: "read_at", unreadValue: .null)
            if item["read_at"] == true {
                item["read_at"] = .string(Timestamp.format(ItemDefaults.sampleDate(index: index, now: now) + 60))
            }
            return item
        }
    }

    func render(_ item: StoredItem, caller: Caller) -> JSONValue { .object(item.fields) }

    /// Newest first; equal times by id, highest first.
    func listOrder(_ items: [StoredItem]) -> [StoredItem] {
        items.sorted { ($0.created, $0["id"]?.int ?? 0, $0.seq) > ($1.created, $1["id"]?.int ?? 0, $1.seq) }
    }

    func isRead(_ item: StoredItem) -> Bool { item["read_at"]?.string != nil }

    func markRead(_ item: inout StoredItem, at date: Date) {
        if !isRead(item) { item["read_at"] = .string(Timestamp.format(date)) }
    }
}
