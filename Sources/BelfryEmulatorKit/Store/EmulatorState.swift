import BelfryCore
import FoundationEssentials
import NIOConcurrencyHelpers

/// Everything the emulator remembers (items, calls, queued faults, open streams), behind one lock so
/// that admin changes, API answers and stream pushes see one consistent order.
final class EmulatorState: Sendable {
    struct Storage {
        var items: [StoredItem] = []
        /// Where each id sits in `items`: lookups by id are O(1), not a scan of every item (a soak
        /// stores 50,000 items per emulator, and bytespike's integer ids are formatted per compare).
        var positions: [String: Int] = [:]
        var nextSeq = 0
        var calls: [CallRecord] = []
        var faults: [Fault] = []
        var streams: [Int: StreamSubscriber] = [:]
        var nextStreamID = 0
        var stopping = false
        /// Requests held by a `hang` fault right now.
        var hanging = 0
        var ulid = ULIDGenerator()
        /// Header paging and a page-size cap for the list (`POST /_emulator/paging`).
        var listPaging = ListPaging()
    }

    /// The call log keeps at most this many records (oldest dropped first).
    static let maxCalls = 10_000

    private let storage = NIOLockedValueBox(Storage())
    /// Polite-polling and redirect behaviours (`/_emulator/http`).
    let http = HTTPBehaviour()

    func with<T>(_ body: (inout Storage) throws -> T) rethrows -> T {
        try storage.withLockedValue { try body(&$0) }
    }

    // MARK: items

    var items: [StoredItem] { with { $0.items } }

    func item(id: String) -> StoredItem? { with { s in s.positions[id].map { s.items[$0] } } }

    /// Inserts new items (an item whose id is already stored replaces it in place) and pushes each
    /// genuinely new one to the open streams that `streamEvent` says should see it.
    @discardableResult
    func insert(
        _ new: [(fields: [String: JSONValue], created: Date)],
        streamEvent: (StoredItem) -> (datasetID: String?, id: String, text: String)?
    ) -> [StoredItem] {
        with { s in
            var stored: [StoredItem] = []
            for entry in new {
                let id = entry.fields["id"]?.text ?? ""
                if let index = s.positions[id] {
                    s.items[index].fields = entry.fields
                    s.items[index].created = entry.created
                    stored.append(s.items[index])
                    continue
                }
                let item = StoredItem(fields: entry.fields, seq: s.nextSeq, created: entry.created)
                s.nextSeq += 1
                s.positions[id] = s.items.count
                s.items.append(item)
                stored.append(item)
                if let event = streamEvent(item) {
                    for subscriber in s.streams.values
                    where subscriber.datasetID == nil || subscriber.datasetID == event.datasetID {
                        subscriber.continuation.yield(.event(id: event.id, text: event.text))
                    }
                }
            }
            return stored
        }
    }

    /// Applies `change` to the item with `id`; nil when there is none.
    func update(id: String, _ change: (inout StoredItem) -> Void) -> StoredItem? {
        with { s in
            guard let index = s.positions[id] else { return nil }
            change(&s.items[index])
            return s.items[index]
        }
    }

    /// Applies `change` to every item, returning how many it reported as changed.
    func updateAll(_ change: (inout StoredItem) -> Bool) -> Int {
        with { s in
            var changed = 0
            for index in s.items.indices where change(&s.items[index]) { changed += 1 }
            return changed
        }
    }

    func remove(id: String) -> Bool {
        with { s in
            guard s.positions[id] != nil else { return false }
            s.items.removeAll { $0.id == id }
            s.positions = Dictionary(s.items.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
            return true
        }
    }

    func makeULID(for date: Date) -> String {
        with { $0.ulid.make(millis: Timestamp.millis(date)) }
    }

    // MARK: calls

    func record(_ call: CallRecord) {
        with { s in
            s.calls.append(call)
            if s.calls.count > Self.maxCalls { s.calls.removeFirst(s.calls.count - Self.maxCalls) }
        }
    }

    var calls: [CallRecord] { with { $0.calls } }

    func clearCalls() { with { $0.calls.removeAll() } }

    /// Clears the call log and returns what it held, in one step (nothing recorded in between is lost).
    func takeCalls() -> [CallRecord] {
        with { s in
            defer { s.calls.removeAll() }
            return s.calls
        }
    }

    // MARK: faults

    /// Queues `fault`; stream kinds also act on the open streams at once. Returns how many streams that touched.
    func add(_ fault: Fault) -> Int {
        with { s in
            var touched = 0
            switch fault.kind {
            case .dropStream:
                for subscriber in s.streams.values {
                    subscriber.continuation.yield(.drop)
                    touched += 1
                }
            case .streamError:
                for subscriber in s.streams.values {
                    subscriber.continuation.yield(.error)
                    touched += 1
                }
            case .stallStream:
                for key in s.streams.keys {
                    s.streams[key]?.stalled = true
                    touched += 1
                }
            default:
                break
            }
            if fault.times > 0 { s.faults.append(fault) }
            return touched
        }
    }

    /// Takes one use of the first queued fault of one of `kinds` that matches the request.
    func consumeFault(method: String, path: String, kinds: Set<Fault.Kind>) -> Fault? {
        with { s in
            guard let index = s.faults.firstIndex(where: { kinds.contains($0.kind) && $0.matches(method: method, path: path) })
            else { return nil }
            let fault = s.faults[index]
            s.faults[index].times -= 1
            if s.faults[index].times <= 0 { s.faults.remove(at: index) }
            return fault
        }
    }

    var faults: [Fault] { with { $0.faults } }

    func clearFaults() { with { $0.faults.removeAll() } }

    // MARK: streams

    /// Registers a stream and sends it first the signals `replay` picks from the stored items (what a
    /// `Last-Event-ID` reconnect missed), under the same lock so nothing falls between replay and push.
    /// Nil once the emulator is stopping.
    func openStream(_ subscriber: StreamSubscriber, replay: ([StoredItem]) -> [StreamSignal]) -> Int? {
        with { s in
            if s.stopping { return nil }
            let key = s.nextStreamID
            s.nextStreamID += 1
            s.streams[key] = subscriber
            for signal in replay(s.items) { subscriber.continuation.yield(signal) }
            return key
        }
    }

    func closeStream(_ key: Int) { with { _ = $0.streams.removeValue(forKey: key) } }

    func isStalled(_ key: Int) -> Bool { with { $0.streams[key]?.stalled ?? false } }

    var openStreams: Int { with { $0.streams.count } }

    // MARK: lifecycle

    var isStopping: Bool { with { $0.stopping } }

    /// Clears items, faults and calls (open streams stay open).
    func reset() {
        with { s in
            s.items.removeAll()
            s.positions.removeAll()
            s.faults.removeAll()
            s.calls.removeAll()
            s.listPaging = ListPaging()
        }
    }

    /// Marks the emulator as stopping: hanging requests give up and open streams end.
    func beginStopping() {
        with { s in
            s.stopping = true
            for subscriber in s.streams.values { subscriber.continuation.finish() }
        }
    }
}
