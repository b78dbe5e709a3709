/// The bytes queued for one connection, in order, each line remembered as a reply or an event.
///
/// The two are bounded differently (see `ControlIOLoop.enqueue`): a reply to a request is always
/// delivered whole, however large, while events (unsolicited `subscribe` notifications) may only
/// pile up to `maxOutputBytes` before the connection is dropped as not reading. So the queue keeps
/// how many event bytes are still unsent, not only the total.
struct OutgoingQueue {
    enum Kind {
        case reply
        case event
    }

    private var chunks: [(bytes: [UInt8], kind: Kind)] = []
    /// The first chunk not completely sent, and how much of it was sent.
    private var head = 0
    private var headSent = 0

    /// Bytes not yet sent.
    private(set) var pending = 0
    /// Bytes of events not yet sent.
    private(set) var pendingEvents = 0

    var isEmpty: Bool { pending == 0 }

    mutating func append(_ bytes: [UInt8], kind: Kind) {
        guard !bytes.isEmpty else { return }
        chunks.append((bytes, kind))
        pending += bytes.count
        if kind == .event { pendingEvents += bytes.count }
    }

    /// Calls `body` with the unsent part of the first unsent chunk; nil when nothing is queued.
    func withNextBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T? {
        guard head < chunks.count else { return nil }
        return chunks[head].bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[headSent...])) }
    }

    /// Marks `count` bytes of the first unsent chunk as sent (at most what `withNextBytes` offered).
    mutating func consume(_ count: Int) {
        guard count > 0, head < chunks.count else { return }
        headSent += count
        pending -= count
        if chunks[head].kind == .event { pendingEvents -= count }
        guard headSent == chunks[head].bytes.count else { return }
        head += 1
        headSent = 0
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: chunks.capacity <= 64)
            head = 0
        } else if head >= 64 && head * 2 >= chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
    }

    mutating func removeAll() {
        chunks = []
        head = 0
        headSent = 0
        pending = 0
        pendingEvents = 0
    }
}
