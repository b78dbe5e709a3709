import BelfryCore

/// A misbehaviour queued through `POST /_emulator/faults`; each matching API request consumes one.
struct Fault: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case status, malformed, truncated, hang, oversize
        case dropStream = "drop_stream"
        case stallStream = "stall_stream"

        /// Stream kinds act on open SSE streams at once, and on the next stream requests when `times` > 0.
        var isStreamKind: Bool { self == .dropStream || self == .stallStream }
    }

    var kind: Kind
    var status: Int
    var retryAfter: String?
    var times: Int
    var pathPrefix: String?
    var method: String?

    func matches(method: String, path: String) -> Bool {
        if let pathPrefix, !path.hasPrefix(pathPrefix) { return false }
        if let m = self.method, m.uppercased() != method.uppercased() { return false }
        return true
    }

    /// Reads the admin body `{"kind", "status", "retry_after", "times", "path", "method"}`.
    init(json: JSONValue) throws(AdminError) {
        guard case .object = json else { throw AdminError("body must be a JSON object") }
        guard let kindText = json["kind"]?.string, let kind = Kind(rawValue: kindText) else {
            let kinds = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw AdminError("kind must be one of: \(kinds)")
        }
        self.kind = kind
        let status = json["status"]?.int ?? 503
        guard (100...599).contains(status) else { throw AdminError("status must be 100-599") }
        self.status = status
        self.retryAfter = json["retry_after"]?.text
        let times = json["times"]?.int ?? (kind.isStreamKind ? 0 : 1)
        guard times >= 0, times <= 10_000 else { throw AdminError("times must be 0-10000") }
        self.times = times
        self.pathPrefix = json["path"]?.string
        self.method = json["method"]?.string
    }

    var json: JSONValue {
        .object([
            "kind": .string(kind.rawValue),
            "status": .number(Double(status)),
            "retry_after": retryAfter.map { .string($0) } ?? .null,
            "times": .number(Double(times)),
            "path": pathPrefix.map { .string($0) } ?? .null,
            "method": method.map { .string($0) } ?? .null,
        ])
    }
}

/// A bad admin request: answered 400 `{"error": message}`.
struct AdminError: Error, Sendable {
    var message: String
    var status: Int = 400
    init(_ message: String, status: Int = 400) {
        self.message = message
        self.status = status
    }
}
