internal import BelfryCore

/// Collects the header block of the response being received from the raw lines libcurl hands to
/// its header callback. Each status line starts over, so interim (1xx) responses are dropped and
/// only the final response's headers remain.
struct ResponseHeadParser {
    private(set) var status: Int?
    private(set) var headers: [HTTPHeader] = []

    /// Feeds one raw line (with its line ending). Returns true when the line is the blank line
    /// that ends a header block.
    mutating func consume(_ rawLine: String) -> Bool {
        let line = rawLine.trimmingTrailingNewlines()
        if line.isEmpty { return true }
        if line.hasPrefix("HTTP/") {
            // "HTTP/1.1 200 OK", "HTTP/2 204 "
            status = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
            headers = []
        } else if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
            // Obsolete line folding: the line continues the previous header's value.
            headers[headers.count - 1].value += " " + line.trimmingHeaderWhitespace()
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingHeaderWhitespace()
            let value = line[line.index(after: colon)...].trimmingHeaderWhitespace()
            headers.append(HTTPHeader(name, value))
        }
        return false
    }

    /// The `Content-Length` of the block, when present and valid.
    var contentLength: Int? {
        headers.last(where: { $0.name.lowercased() == "content-length" }).flatMap { Int($0.value) }
    }
}

extension StringProtocol {
    func trimmingHeaderWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
