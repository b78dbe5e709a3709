import BelfryCore
import FoundationEssentials

/// visual-layer's monitor alert (visual-layer.md): id, user_id, entity_type `saved_view`, entity_id,
/// title (empty for monitor alerts), message, metadata {view_name, dataset_name, result_count,
/// batch_id, is_alert}, dataset_id, created_at, read_at (null = unread). Times carry milliseconds.
extension VisualLayerAPI {
    /// The one user every item belongs to.
    static let userID = "5f0c8a52-2b1e-4c1f-9a57-3c1d2e4f6a7b"

    struct View {
        var id: String
        var name: String
        var datasetID: String
        var datasetName: String
    }

    static let views: [View] = [
        View(id: "0b7e3c1a-6d2f-4e8a-9c5b-1a2b3c4d5e6f", name: "Empty shelves",
             datasetID: "d1c6e6a0-7a61-4c1e-8f4b-1b2c3d4e5f60", datasetName: "retail-shelves"),
        View(id: "7c9d2e4f-1a3b-4c5d-8e6f-9a0b1c2d3e4f", name: "Surface scratches",
             datasetID: "a8f3b2c1-4d5e-4f6a-9b7c-8d9e0f1a2b3c", datasetName: "factory-line"),
        View(id: "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7", name: "Misplaced price tags",
             datasetID: "d1c6e6a0-7a61-4c1e-8f4b-1b2c3d4e5f60", datasetName: "retail-shelves"),
    ]

    static let resultCounts = [12, 3, 27, 5]

    func makeItem(_ partial: [String: JSONValue], now: Date, state: EmulatorState) throws(AdminError)
        -> (fields: [String: JSONValue], created: Date)
    {
        let created = try createdDate(partial, now: now)
        let datasetID = partial["dataset_id"]?.string
        let view = Self.views.first { $0.id == partial["entity_id"]?.string }
            ?? Self.views.first { $0.datasetID == datasetID }
            ?? Self.views[0]
        let count = partial["metadata"]?["result_count"]?.int ?? 12
        let metadataDefaults: [String: JSONValue] = [
            "view_name": .string(view.name),
            "dataset_name": .string(view.datasetName),
            "result_count": .number(Double(count)),
            "batch_id": .string(RandomID.uuid()),
            "is_alert": true,
        ]
        let defaults: [String: JSONValue] = [
            "id": .string(RandomID.uuid()),
            "user_id": .string(Self.userID),
            "entity_type": "saved_view",
            "entity_id": .string(view.id),
            "title": "",
            "message": .string("\(count) new results match \"\(view.name)\" in \(view.datasetName)"),
            "metadata": .object(metadataDefaults),
            "dataset_id": .string(view.datasetID),
            "created_at": .string(Timestamp.format(created, fractional: true)),
            "read_at": .null,
        ]
        var fields = ItemDefaults.fill(partial, with: defaults)
        if let given = partial["metadata"]?.object {
            fields["metadata"] = .object(ItemDefaults.fill(given, with: metadataDefaults))
        }
        return (fields, created)
    }

    func sampleItems(count: Int, now: Date) -> [[String: JSONValue]] {
        (0..<count).map { index in
            let view = Self.views[index % Self.views.count]
            let date = ItemDefaults.sampleDate(index: index, now: now)
            let results = Self.resultCounts[index % Self.resultCounts.count]
            let read = index % 4 == 3
            return [
                "entity_id": .string(view.id),
                "metadata": ["result_count": .number(Double(results))],
                "created_at": .string(Timestamp.format(date, fractional: true)),
                "read_at": read ? .string(Timestamp.format(date + 300, fractional: true)) : .null,
            ]
        }
    }

    func render(_ item: StoredItem, caller: Caller) -> JSONValue { .object(item.fields) }

    func isRead(_ item: StoredItem) -> Bool { item["read_at"]?.string != nil }

    func markRead(_ item: inout StoredItem, at date: Date) {
        if !isRead(item) { item["read_at"] = .string(Timestamp.format(date, fractional: true)) }
    }

    /// Every new item goes to the streams following its dataset (or all datasets).
    func streamEvent(_ item: StoredItem) -> (datasetID: String?, id: String, text: String)? {
        (item["dataset_id"]?.string, item.id, SSEFormat.event("notification", id: item.id, data: item.fields))
    }
}
