/// An incremental `text/event-stream` parser that follows the WHATWG HTML "Server-sent events"
/// interpretation rules to the letter, fed chunks of bytes cut anywhere.
///
/// It works on bytes and decodes UTF-8 (invalid sequences become U+FFFD) only for the values it
/// hands out; since every byte the format gives meaning to is ASCII, this equals decoding the whole
/// stream first. Memory is bounded by `Limits`: a longer line or a larger event throws `Error`, after
/// which the parser's state is unspecified and the stream should be dropped.
///
/// One parser reads one stream; `finish()` ends it (discarding an unfinished event) and readies the
/// parser for the next one, keeping `lastEventID` and `retry`.
public struct SSEParser: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Longest line accepted, in bytes, without its line end.
        public var maxLineBytes: Int
        /// Largest event accepted: the bytes of its `data` values plus one LF per `data` line.
        public var maxEventDataBytes: Int

        public init(maxLineBytes: Int = 1 << 20, maxEventDataBytes: Int = 4 << 20) {
            self.maxLineBytes = maxLineBytes
            self.maxEventDataBytes = maxEventDataBytes
        }
    }

    /// A cap of `Limits` was exceeded; the message names it.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public enum Code: Sendable, Equatable { case lineTooLong, eventTooLarge }
        public var code: Code
        /// The cap, in bytes.
        public var limit: Int

        public init(_ code: Code, limit: Int) {
            self.code = code
            self.limit = limit
        }

        public var description: String {
            switch code {
            case .lineTooLong: "SSE line longer than maxLineBytes (\(limit) bytes)"
            case .eventTooLarge: "SSE event data larger than maxEventDataBytes (\(limit) bytes)"
            }
        }
    }

    public let limits: Limits
    /// The stream's "last event ID string": set from the `id` buffer each time a blank line is seen
    /// (also when no event is dispatched), and what a reconnect sends as `Last-Event-ID`.
    public private(set) var lastEventID: String
    /// The reconnection time the server asked for with `retry:`, in milliseconds (saturating).
    public private(set) var retryMilliseconds: Int?

    /// `retryMilliseconds` as a `Duration`.
    public var retry: Duration? { retryMilliseconds.map { .milliseconds($0) } }

    private var line: [UInt8] = []  // a line not yet ended, carried between chunks
    private var data: [UInt8] = []
    private var eventType: [UInt8] = []
    private var idBuffer: String
    private var skipLeadingLF = false  // the previous chunk ended in CR: an LF next ends nothing
    private var bomMatched = 0  // bytes of a BOM seen at the stream start; `bomDone` once decided

    private static let bomDone = 3
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, colon: UInt8 = 0x3A, space: UInt8 = 0x20

    /// - Parameter lastEventID: an ID already known (from an earlier connection); the spec starts
    ///   from `""`, which is the default.
    public init(limits: Limits = .init(), lastEventID: String = "") {
        self.limits = limits
        self.lastEventID = lastEventID
        self.idBuffer = lastEventID
    }

    /// Feeds the next chunk; `onEvent` is called for each event dispatched, in order.
    /// Throws `SSEParser.Error` when a cap is exceeded (events dispatched before it were delivered),
    /// or what `onEvent` throws.
    public mutating func parse(_ chunk: some Collection<UInt8>, onEvent: (SSEEvent) throws -> Void) throws {
        let done: Void? = try chunk.withContiguousStorageIfAvailable { try feed($0, onEvent) }
        if done == nil {
            try Array(chunk).withUnsafeBufferPointer { try feed($0, onEvent) }
        }
    }

    /// Feeds the next chunk and returns the events it completed.
    public mutating func parse(_ chunk: some Collection<UInt8>) throws -> [SSEEvent] {
        var events: [SSEEvent] = []
        try parse(chunk) { events.append($0) }
        return events
    }

    /// Ends the stream: an event without its final blank line is discarded, as the spec requires.
    /// The parser is then ready for a new stream (a BOM is stripped again at its start).
    public mutating func finish() {
        line = []
        data = []
        eventType = []
        idBuffer = lastEventID
        skipLeadingLF = false
        bomMatched = 0
    }

    private mutating func feed(_ buf: UnsafeBufferPointer<UInt8>, _ onEvent: (SSEEvent) throws -> Void) throws {
        let n = buf.count
        var i = 0
        while bomMatched < Self.bomDone && i < n {
            if buf[i] == Self.bom[bomMatched] {
                bomMatched += 1
                i += 1
            } else {
                // Not a BOM after all: the bytes held back belong to the first line.
                line.append(contentsOf: Self.bom[0..<bomMatched])
                bomMatched = Self.bomDone
            }
        }
        if skipLeadingLF && i < n {
            if buf[i] == Self.lf { i += 1 }
            skipLeadingLF = false
        }
        while i < n {
            var j = i
            while j < n, buf[j] != Self.lf, buf[j] != Self.cr { j += 1 }
            if j == n {
                try checkLine(line.count + (n - i))
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<n]))
                return
            }
            if line.isEmpty {
                try checkLine(j - i)
                try processLine(UnsafeBufferPointer(rebasing: buf[i..<j]), onEvent)
            } else {
                try checkLine(line.count + (j - i))
                var whole: [UInt8] = []
                swap(&whole, &line)
                whole.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
                try whole.withUnsafeBufferPointer { try processLine($0, onEvent) }
                whole.removeAll(keepingCapacity: whole.capacity <= 64 << 10)
                line = whole
            }
            i = j + 1
            if buf[j] == Self.cr {
                if i < n {
                    if buf[i] == Self.lf { i += 1 }
                } else {
                    skipLeadingLF = true
                }
            }
        }
    }

    private func checkLine(_ length: Int) throws {
        if length > limits.maxLineBytes { throw Error(.lineTooLong, limit: limits.maxLineBytes) }
    }

    private mutating func processLine(_ line: UnsafeBufferPointer<UInt8>, _ onEvent: (SSEEvent) throws -> Void) throws {
        guard let first = line.first else { return try dispatch(onEvent) }
        if first == Self.colon { return }  // a comment
        let field: UnsafeBufferPointer<UInt8>
        var value = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        if let c = line.firstIndex(of: Self.colon) {
            field = UnsafeBufferPointer(rebasing: line[..<c])
            var v = c + 1
            if v < line.count, line[v] == Self.space { v += 1 }
            value = UnsafeBufferPointer(rebasing: line[v...])
        } else {
            field = line
        }
        if field.elementsEqual("data".utf8) {
            if data.count + value.count + 1 > limits.maxEventDataBytes {
                throw Error(.eventTooLarge, limit: limits.maxEventDataBytes)
            }
            data.append(contentsOf: value)
            data.append(Self.lf)
        } else if field.elementsEqual("event".utf8) {
            eventType.removeAll(keepingCapacity: true)
            eventType.append(contentsOf: value)
        } else if field.elementsEqual("id".utf8) {
            if !value.contains(0) { idBuffer = String(decoding: value, as: UTF8.self) }
        } else if field.elementsEqual("retry".utf8) {
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                var ms = 0
                for digit in value {
                    let (times10, o1) = ms.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(Int(digit - 0x30))
                    if o1 || o2 { ms = .max; break }
                    ms = sum
                }
                retryMilliseconds = ms
            }
        }
        // Any other field is ignored.
    }

    private mutating func dispatch(_ onEvent: (SSEEvent) throws -> Void) throws {
        lastEventID = idBuffer
        if data.isEmpty {
            eventType.removeAll(keepingCapacity: true)
            return
        }
        data.removeLast()  // every data line appended an LF; the spec drops the last one
        let event = SSEEvent(
            type: eventType.isEmpty ? "message" : String(decoding: eventType, as: UTF8.self),
            data: String(decoding: data, as: UTF8.self),
            lastEventID: lastEventID
        )
        data.removeAll(keepingCapacity: data.capacity <= 64 << 10)
        eventType.removeAll(keepingCapacity: true)
        try onEvent(event)
    }
}
