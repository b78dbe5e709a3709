import BelfryCore
import FoundationEssentials

/// One notification as the emulator keeps it: the provider's own fields (read state included,
/// in the provider's own key), plus the insertion order and creation time used for sorting.
struct StoredItem: Sendable, Equatable {
    var fields: [String: JSONValue]
    /// Insertion order; later items have a higher `seq`.
    var seq: Int
    var created: Date

    /// The provider's id as text (bytespike's integer ids too).
    var id: String { fields["id"]?.text ?? "" }

    subscript(key: String) -> JSONValue? {
        get { fields[key] }
        set { fields[key] = newValue }
    }
}

extension Array where Element == StoredItem {
    /// Newest first by creation time, then by insertion order: what most feeds answer.
    func newestFirst() -> [StoredItem] {
        sorted { ($0.created, $0.seq) > ($1.created, $1.seq) }
    }
}
