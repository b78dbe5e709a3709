import BelfryCore

/// One API request as the emulator received it (admin requests are not recorded).
struct CallRecord: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    /// Every query pair in order, repeated keys kept (`exclude_types[]` twice).
    var queryPairs: [(String, String)] = []
    /// Request headers, names lowercased (a repeated header's values joined with ", ").
    var headers: [String: String] = [:]
    var authorized: Bool
    var token: String?
    var body: String
    var at: String
    /// The injected fault this request consumed (`status`, `hang`, …), nil when it was served normally.
    var fault: String? = nil

    var json: JSONValue {
        .object([
            "method": .string(method),
            "path": .string(path),
            "query": .object(query.mapValues { .string($0) }),
            "query_pairs": .array(queryPairs.map { .array([.string($0.0), .string($0.1)]) }),
            "headers": .object(headers.mapValues { .string($0) }),
            "authorized": .bool(authorized),
            "token": token.map { .string($0) } ?? .null,
            "body": .string(body),
            "at": .string(at),
            "fault": fault.map { .string($0) } ?? .null,
        ])
    }
}
