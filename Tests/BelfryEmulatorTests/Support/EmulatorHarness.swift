import BelfryCore
import BelfryEmulatorKit
import HTTPTypes
import HummingbirdTesting
import NIOCore

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
    var headers: HTTPFields
    var text: String

    var json: JSONValue { (try? JSONValue.parse(text)) ?? .null }
    var isJSON: Bool { (try? JSONValue.parse(text)) != nil }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

/// One request per connection through HummingbirdTesting's `TestClient`, with the bearer token.
struct APIClient: Sendable {
    let port: Int
    let token: String

    enum Auth: Sendable {
        case token
        case none
        case other(String)
    }

    func get(_ uri: String, auth: Auth = .token, headers: HTTPFields = [:], timeout: Duration = .seconds(15)) async throws -> Answer {
        try await send(uri, method: .get, auth: auth, headers: headers, body: nil, timeout: timeout)
    }

    func post(_ uri: String, auth: Auth = .token, json: String? = nil, timeout: Duration = .seconds(15)) async throws -> Answer {
        var headers: HTTPFields = [:]
        if json != nil { headers[.contentType] = "application/json" }
        return try await send(uri, method: .post, auth: auth, headers: headers, body: json, timeout: timeout)
    }

    func delete(_ uri: String) async throws -> Answer {
        try await send(uri, method: .delete, auth: .none, headers: [:], body: nil, timeout: .seconds(15))
    }

    /// Admin requests carry no token.
    func admin(_ uri: String, json: String? = nil) async throws -> Answer {
        try await post(uri, auth: .none, json: json)
    }

    func adminGet(_ uri: String) async throws -> Answer { try await get(uri, auth: .none) }

    func send(
        _ uri: String, method: HTTPTypes.HTTPRequest.Method, auth: Auth, headers: HTTPFields, body: String?, timeout: Duration
    ) async throws -> Answer {
        var headers = headers
        switch auth {
        case .token: headers[.authorization] = "Bearer \(token)"
        case .other(let value): headers[.authorization] = value
        case .none: break
        }
        let request = TestClient.Request(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return try await TestClient.withClient(
            host: "127.0.0.1", port: port, configuration: .init(timeout: timeout)
        ) { client in
            let response = try await client.execute(request)
            return Answer(
                status: Int(response.status.code), headers: response.headers,
                text: response.body.map { String(buffer: $0) } ?? "")
        }
    }
}

extension JSONValue {
    var keys: Set<String> { Set(object?.keys.map { $0 } ?? []) }
    var count: Int { array?.count ?? 0 }
    func items() -> [JSONValue] { self["items"]?.array ?? [] }
}
