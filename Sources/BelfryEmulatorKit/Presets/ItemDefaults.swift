import BelfryCore
import FoundationEssentials

/// Helpers the presets share to complete partial items and to lay out sample items.
enum ItemDefaults {
    /// `partial` with every key of `defaults` it lacks (an explicit `null` is kept as sent).
    static func fill(_ partial: [String: JSONValue], with defaults: [String: JSONValue]) -> [String: JSONValue] {
        partial.merging(defaults) { given, _ in given }
    }

    /// Creation times of seeded items: the newest 2 minutes ago, then every 37 minutes back.
    static func sampleDate(index: Int, now: Date) -> Date {
        now.addingTimeInterval(-120 - Double(index) * 37 * 60)
    }

    /// The template for sample `index`, cycling through the document's examples. Past the first round,
    /// doc-fixed ids are removed so that fresh ones are generated, and the doc's read state is reset.
    static func sample(
        _ templates: [[String: JSONValue]], index: Int, now: Date, createdAt: (Date) -> String,
        readKey: String, unreadValue: JSONValue
    ) -> [String: JSONValue] {
        var item = templates[index % templates.count]
        if index >= templates.count {
            item["id"] = nil
            item[readKey] = unreadValue
        }
        item["created_at"] = .string(createdAt(sampleDate(index: index, now: now)))
        return item
    }

    static func string(_ value: JSONValue?) -> String? { value?.string }
}
