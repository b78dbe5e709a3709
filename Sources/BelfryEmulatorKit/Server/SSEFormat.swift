import BelfryCore

/// Server-sent event framing (WHATWG): `event:`, `id:`, one `data:` line, a blank line.
enum SSEFormat {
    static func event(_ name: String, id: String? = nil, data: [String: JSONValue]) -> String {
        event(name, id: id, dataText: JSONValue.object(data).serialized())
    }

    static func event(_ name: String, id: String? = nil, dataText: String) -> String {
        var text = "event: \(name)\n"
        if let id { text += "id: \(id)\n" }
        // serialized JSON has no raw newlines; other text is split into one data line per line
        for line in dataText.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return text + "\n"
    }
}
