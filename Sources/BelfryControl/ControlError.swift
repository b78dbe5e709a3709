import BelfryCore

/// A JSON-RPC 2.0 error object: what a `ControlHandler` throws and what `ControlClient.call` throws
/// when the agent answered with an error.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "\(message) (\(code))" }

    /// The JSON-RPC 2.0 codes, plus the server-defined ones (-32000 … -32099) this transport uses.
    public enum Code {
        public static let parseError = -32700
        public static let invalidRequest = -32600
        public static let methodNotFound = -32601
        public static let invalidParams = -32602
        public static let internalError = -32603
        /// The connecting process does not run as the agent's uid.
        public static let permissionDenied = -32000
        /// The agent already serves as many control connections as it allows.
        public static let tooManyClients = -32001
        /// The item or thing named in the params does not exist (e.g. `open` of an unknown key).
        public static let notFound = -32002
    }

    public static func parseError(_ message: String) -> ControlError {
        ControlError(code: Code.parseError, message: message)
    }
    public static func invalidRequest(_ message: String) -> ControlError {
        ControlError(code: Code.invalidRequest, message: message)
    }
    public static func methodNotFound(_ method: String) -> ControlError {
        ControlError(code: Code.methodNotFound, message: "method not found: \(method)")
    }
    public static func invalidParams(_ message: String, data: JSONValue? = nil) -> ControlError {
        ControlError(code: Code.invalidParams, message: message, data: data)
    }
    public static func internalError(_ message: String, data: JSONValue? = nil) -> ControlError {
        ControlError(code: Code.internalError, message: message, data: data)
    }

    /// The `error` member of a response.
    var json: JSONValue {
        var object: [String: JSONValue] = ["code": .number(Double(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    /// Reads the `error` member of a response; nil when it is not an error object.
    init?(json: JSONValue) {
        guard let code = json["code"]?.int, let message = json["message"]?.string else { return nil }
        self.init(code: code, message: message, data: json["data"])
    }
}
