import BelfryCore

/// One valid JSON-RPC 2.0 request as the server hands it on.
struct ControlRequest: Sendable {
    /// nil for a notification (no `id` member): it gets no response. `.null` is a (discouraged)
    /// request with a null id, which does get one.
    var id: JSONValue?
    var method: String
    var params: JSONValue?
}

/// What one request line turned out to be.
enum ParsedLine: Sendable {
    case request(ControlRequest)
    /// The line is answered with this error; `id` is the request's id when it could be read.
    case invalid(id: JSONValue, error: ControlError)

    init(line: some Collection<UInt8>) {
        let value: JSONValue
        do { value = try JSONValue.parse(line) } catch {
            self = .invalid(id: .null, error: .parseError("parse error: \(error.message)"))
            return
        }
        guard case .object(let object) = value else {
            if case .array = value {
                self = .invalid(id: .null, error: .invalidRequest("invalid request: batch requests are not supported"))
            } else {
                self = .invalid(id: .null, error: .invalidRequest("invalid request: not a JSON object"))
            }
            return
        }
        let id = object["id"]
        switch id {
        case nil, .null?, .string?, .number?: break
        default:
            self = .invalid(id: .null, error: .invalidRequest("invalid request: id must be a string, a number or null"))
            return
        }
        let replyID = id ?? .null
        guard object["jsonrpc"] == .string("2.0") else {
            self = .invalid(id: replyID, error: .invalidRequest("invalid request: \"jsonrpc\" must be \"2.0\""))
            return
        }
        guard case .string(let method)? = object["method"] else {
            self = .invalid(id: replyID, error: .invalidRequest("invalid request: \"method\" must be a string"))
            return
        }
        let params = object["params"]
        switch params {
        case nil, .object?, .array?: break
        default:
            self = .invalid(id: replyID, error: .invalidParams("invalid params: must be an object or an array"))
            return
        }
        self = .request(ControlRequest(id: id, method: method, params: params))
    }
}
