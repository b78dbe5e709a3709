import BelfryCore
import BelfryEmulatorKit
import BelfryHTTP

/// Runs `body` against a started emulator and always stops it.
func withEmulator<T>(
    _ preset: EmulatorPreset, _ options: EmulatorOptions = EmulatorOptions(),
    _ body: (Emulator, APIClient) async throws -> T
) async throws -> T {
    let emulator = Emulator(preset: preset, options: options)
    let port = try await emulator.start()
    do {
        let result = try await body(emulator, APIClient(port: port, token: options.token))
        await emulator.stop()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

/// A response read whole: status, headers and the body as text and (when it parses) JSON.
struct Answer: Sendable {
    var status: Int
    var headers: [HTTPHeader]
    var text: String

    var json: JSONValue { (try? JSONValue.parse(text)) ?? .null }
    var isJSON: Bool { (try? JSONValue.parse(text)) != nil }
    func header(_ name: String) -> String? { HTTPResponse(status: status, headers: headers).header(name) }
}

/// Requests through Belfry's own libcurl transport (the client the agent uses), with the bearer token.
struct APIClient: Sendable {
    let port: Int
    let token: String

    enum Auth: Sendable {
        case token
        case none
        case other(String)
    }

    static let transport: CurlTransport = try! CurlTransport()

    func get(_ uri: String, auth: Auth = .token, headers: [HTTPHeader] = [], timeout: Duration = .seconds(15)) async throws -> Answer {
        try await send(uri, method: "GET", auth: auth, headers: headers, body: nil, timeout: timeout)
    }

    func post(_ uri: String, auth: Auth = .token, json: String? = nil, timeout: Duration = .seconds(15)) async throws -> Answer {
        var headers: [HTTPHeader] = []
        if json != nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
        return try await send(uri, method: "POST", auth: auth, headers: headers, body: json, timeout: timeout)
    }

    func delete(_ uri: String) async throws -> Answer {
        try await send(uri, method: "DELETE", auth: .none, headers: [], body: nil, timeout: .seconds(15))
    }

    /// Admin requests carry no token.
    func admin(_ uri: String, json: String? = nil) async throws -> Answer {
        try await post(uri, auth: .none, json: json)
    }

    func adminGet(_ uri: String) async throws -> Answer { try await get(uri, auth: .none) }

    func send(
        _ uri: String, method: String, auth: Auth, headers: [HTTPHeader], body: String?, timeout: Duration
    ) async throws -> Answer {
        var headers = headers
        switch auth {
        case .token: headers.append(HTTPHeader("Authorization", "Bearer \(token)"))
        case .other(let value): headers.append(HTTPHeader("Authorization", value))
        case .none: break
        }
        let request = BelfryCore.HTTPRequest(method: method, url: "http://127.0.0.1:\(port)\(uri)", headers: headers,
                                             body: body.map { Array($0.utf8) }, timeout: timeout, maxBodyBytes: 64 << 20)
        let response = try await Self.transport.send(request)
        return Answer(status: response.status, headers: response.headers, text: String(decoding: response.body, as: UTF8.self))
    }
}

extension JSONValue {
    var keys: Set<String> { Set(object?.keys.map { $0 } ?? []) }
    var count: Int { array?.count ?? 0 }
    func items() -> [JSONValue] { self["items"]?.array ?? [] }
}
