import BelfryCore
import FoundationEssentials

/// A misbehaviour queued through `POST /_emulator/faults`; each matching API request consumes one.
struct Fault: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case status, malformed, truncated, hang, oversize
        /// The request's own `Authorization` value, echoed in the error body and a header.
        case echoCredential = "echo_credential"
        /// Exactly the bytes given (`body_base64`): invalid UTF-8, odd encodings, anything.
        case raw
        case dropStream = "drop_stream"
        case stallStream = "stall_stream"
        /// An SSE `event: error` echoing the credential the stream was opened with.
        case streamError = "stream_error"
        /// An exhausted rate limit, GitHub-style: `status` (default 403) with `x-ratelimit-*` headers
        /// (remaining 0, reset `reset_in` seconds from now), `Retry-After` if given, "rate limit" message.
        case rateLimit = "rate_limit"

        /// Stream kinds act on open SSE streams at once, and on the next stream requests when `times` > 0.
        var isStreamKind: Bool { self == .dropStream || self == .stallStream || self == .streamError }
    }

    var kind: Kind
    var status: Int
    var retryAfter: String?
    var times: Int
    var pathPrefix: String?
    var method: String?
    /// `echo_credential`: the response header that carries the credential too.
    var header: String
    /// `rate_limit`: seconds from now until `x-ratelimit-reset`.
    var resetIn: Int = 60

    static let defaultEchoHeader = "X-Echo-Credential"
    /// `raw`: the body, byte for byte, and its Content-Type.
    var body: [UInt8]
    var contentType: String

    func matches(method: String, path: String) -> Bool {
        if let pathPrefix, !path.hasPrefix(pathPrefix) { return false }
        if let m = self.method, m.uppercased() != method.uppercased() { return false }
        return true
    }

    /// Reads the admin body `{"kind", "status", "retry_after", "times", "path", "method", "header",
    /// "body_base64", "content_type"}`.
    init(json: JSONValue) throws(AdminError) {
        guard case .object = json else { throw AdminError("body must be a JSON object") }
        guard let kindText = json["kind"]?.string, let kind = Kind(rawValue: kindText) else {
            let kinds = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw AdminError("kind must be one of: \(kinds)")
        }
        self.kind = kind
        let status = json["status"]?.int ?? (kind == .echoCredential ? 401 : kind == .raw ? 200 : kind == .rateLimit ? 403 : 503)
        guard (100...599).contains(status) else { throw AdminError("status must be 100-599") }
        self.status = status
        self.retryAfter = json["retry_after"]?.text
        let times = json["times"]?.int ?? (kind.isStreamKind ? 0 : 1)
        guard times >= 0, times <= 10_000 else { throw AdminError("times must be 0-10000") }
        self.times = times
        self.pathPrefix = json["path"]?.string
        self.method = json["method"]?.string
        self.header = json["header"]?.string ?? Self.defaultEchoHeader
        guard !header.isEmpty, header.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
            throw AdminError("header must be a header name (visible ASCII, no colon)")
        }
        if let encoded = json["body_base64"]?.string {
            guard let data = Data(base64Encoded: encoded) else { throw AdminError("body_base64 must be base64") }
            self.body = Array(data)
        } else {
            self.body = []
        }
        self.contentType = json["content_type"]?.string ?? "application/json"
        if let r = json["reset_in"] {
            guard let n = r.int, (0...86_400).contains(n) else { throw AdminError("reset_in must be 0-86400 seconds") }
            self.resetIn = n
        }
    }

    var json: JSONValue {
        .object([
            "kind": .string(kind.rawValue),
            "status": .number(Double(status)),
            "retry_after": retryAfter.map { .string($0) } ?? .null,
            "times": .number(Double(times)),
            "path": pathPrefix.map { .string($0) } ?? .null,
            "method": method.map { .string($0) } ?? .null,
            "header": .string(header),
            "body_base64": .string(Data(body).base64EncodedString()),
            "content_type": .string(contentType),
            "reset_in": .number(Double(resetIn)),
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
