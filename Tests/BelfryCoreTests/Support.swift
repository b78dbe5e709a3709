import Foundation
@testable import BelfryCore

/// Parses config text that must be valid.
func config(_ text: String) throws -> BelfryConfig {
    try ConfigLoader.parse(text, file: "test.toml")
}

/// The errors a config text is refused with.
func configErrors(_ text: String) -> [ConfigError] {
    do {
        _ = try ConfigLoader.parse(text, file: "test.toml")
        return []
    } catch {
        return error.errors
    }
}

func source(preset: String, name: String = "work", base: String = "https://api.example.com", extra: String = "") throws -> SourceConfig {
    let c = try config("""
        [[source]]
        name = "\(name)"
        preset = "\(preset)"
        base_url = "\(base)"
        web_url = "https://app.example.com"
        token = "t0ken"
        \(extra)
        """)
    return c.sources[0]
}

/// An HTTPTransport that answers from a script and records requests.
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    var requests: [HTTPRequest] = []
    var handler: (HTTPRequest) throws -> HTTPResponse

    init(_ handler: @escaping (HTTPRequest) throws -> HTTPResponse) { self.handler = handler }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        requests.append(request)
        return try handler(request)
    }

    func stream(_ request: HTTPStreamRequest) -> AsyncThrowingStream<HTTPStreamPart, Error> {
        AsyncThrowingStream { $0.finish(throwing: HTTPError(.other, "no streams here")) }
    }
}

func json(_ text: String, status: Int = 200, headers: [HTTPHeader] = []) -> HTTPResponse {
    HTTPResponse(status: status, headers: headers, body: Array(text.utf8))
}

extension HTTPRequest {
    /// Query parameters of the URL, decoded.
    var queryItems: [String: String] {
        guard let q = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        var out: [String: String] = [:]
        for pair in q.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            out[kv[0]] = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
        }
        return out
    }
    var path: String { String(url.split(separator: "?")[0].drop(while: { $0 != "/" }).dropFirst(2).drop(while: { $0 != "/" })) }
}
