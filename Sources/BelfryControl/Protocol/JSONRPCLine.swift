import BelfryCore

/// Builds the LF-terminated lines of the protocol. `JSONValue.serialized()` escapes control
/// characters inside strings, so a line never contains a raw LF before its end.
enum JSONRPCLine {
    static func result(id: JSONValue, _ result: JSONValue) -> [UInt8] {
        line(["jsonrpc": "2.0", "id": id, "result": result])
    }

    static func error(id: JSONValue, _ error: ControlError) -> [UInt8] {
        line(["jsonrpc": "2.0", "id": id, "error": error.json])
    }

    static func notification(method: String, params: JSONValue?) -> [UInt8] {
        var object: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        return line(object)
    }

    static func request(id: JSONValue, method: String, params: JSONValue?) -> [UInt8] {
        var object: [String: JSONValue] = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { object["params"] = params }
        return line(object)
    }

    private static func line(_ object: [String: JSONValue]) -> [UInt8] {
        var bytes = Array(JSONValue.object(object).serialized().utf8)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
