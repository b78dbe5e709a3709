/// Takes a source's own secrets out of text its service sent back, before that text is used anywhere
/// (items, error details, header values, SSE events; hence logs, `last_error`, popups, the state file).
///
/// A service may echo what it was sent (`{"detail": "rejected Bearer ok_live_…"}`); Belfry copies
/// parts of answers into messages, so the token would leak. Each occurrence of a secret becomes
/// `marker`. The secrets are the ones a request carries (`HTTPRequest.secrets`: the token and each
/// auth header value as sent), so whoever reads a response can redact it without knowing the profile.
///
/// A secret shorter than `minimumLength` is not searched for: it would match ordinary text (and
/// rewrite item titles and ids), and is no secret worth the name. An auth header value ("Bearer " and
/// the token) is long enough even when the bare token is not.
public struct SecretRedactor: Sendable, Equatable {
    /// What stands in for a secret.
    public static let marker = "[redacted]"
    /// Secrets shorter than this (in UTF-8 bytes) are left alone.
    public static let minimumLength = 8

    /// The secrets searched for, longest first (so "Bearer tok…" goes whole, not as "Bearer [redacted]").
    public let secrets: [[UInt8]]

    public init(_ secrets: [String]) {
        var unique: [[UInt8]] = []
        for s in secrets where s.utf8.count >= Self.minimumLength {
            let bytes = Array(s.utf8)
            if !unique.contains(bytes) { unique.append(bytes) }
        }
        self.secrets = unique.sorted { $0.count > $1.count }
    }

    /// Nothing to redact.
    public var isEmpty: Bool { secrets.isEmpty }

    /// `text` with every secret replaced by `marker`; `text` itself when it holds none.
    public func redact(_ text: String) -> String {
        redactedIfNeeded(text) ?? text
    }

    /// `value` with every string (object keys too) redacted. Walks without copying when nothing matches,
    /// which is the normal case: a listing is not rebuilt for nothing.
    public func redact(_ value: JSONValue) -> JSONValue {
        isEmpty ? value : (redactedIfNeeded(value) ?? value)
    }

    /// Header values redacted (names are the service's vocabulary, not its echo).
    public func redact(_ headers: [HTTPHeader]) -> [HTTPHeader] {
        isEmpty ? headers : headers.map { HTTPHeader($0.name, redact($0.value)) }
    }

    /// The event's type, data and id redacted.
    public func redact(_ event: SSEEvent) -> SSEEvent {
        guard !isEmpty else { return event }
        return SSEEvent(type: redact(event.type), data: redact(event.data), lastEventID: redact(event.lastEventID))
    }

    // MARK: search

    private func redactedIfNeeded(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .string(let s):
            return redactedIfNeeded(s).map { .string($0) }
        case .array(let a):
            var out: [JSONValue]?
            for (i, element) in a.enumerated() {
                guard let r = redactedIfNeeded(element) else { continue }
                if out == nil { out = a }
                out![i] = r
            }
            return out.map { .array($0) }
        case .object(let o):
            var changed: [(key: String, newKey: String, value: JSONValue)] = []
            for (key, element) in o {
                let newKey = redactedIfNeeded(key)
                let newValue = redactedIfNeeded(element)
                if newKey != nil || newValue != nil { changed.append((key, newKey ?? key, newValue ?? element)) }
            }
            guard !changed.isEmpty else { return nil }
            var out = o
            for c in changed { out.removeValue(forKey: c.key) }
            for c in changed { out[c.newKey] = c.value }
            return .object(out)
        case .null, .bool, .number:
            return nil
        }
    }

    /// nil when `text` holds no secret (no allocation then).
    private func redactedIfNeeded(_ text: String) -> String? {
        guard !isEmpty else { return nil }
        var text = text
        return text.withUTF8 { hay -> String? in
            guard secrets.contains(where: { Self.find($0, in: hay, from: 0) != nil }) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(hay.count)
            let marker = Array(Self.marker.utf8)
            var i = 0
            outer: while i < hay.count {
                for secret in secrets where Self.matches(secret, in: hay, at: i) {
                    out.append(contentsOf: marker)
                    i += secret.count
                    continue outer
                }
                out.append(hay[i])
                i += 1
            }
            // A valid UTF-8 secret found in valid UTF-8 starts and ends on scalar boundaries.
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, hay.count - start >= needle.count else { return nil }
        var i = start
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first, matches(needle, in: hay, at: i) { return i }
            i += 1
        }
        return nil
    }

    private static func matches(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard hay.count - i >= needle.count else { return false }
        for k in 0..<needle.count where hay[i + k] != needle[k] { return false }
        return true
    }
}
