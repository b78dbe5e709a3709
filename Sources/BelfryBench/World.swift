import BelfryCore
import BelfryEmulatorKit
import BelfryHTTP
import BelfryTestSupport
import Foundation

/// A private bus with the recording server on it, and an in-process emulator.
final class World: @unchecked Sendable {
    let bus: PrivateBus
    let server: RecordingServer
    let emulator: Emulator
    let http: CurlTransport

    init(preset: EmulatorPreset, seed: Int = 0, ping: Duration = .seconds(3)) async throws {
        bus = try PrivateBus()
        server = try await RecordingServer.start(busAddress: bus.address)
        emulator = Emulator(preset: preset, options: EmulatorOptions(seed: seed, ssePingInterval: ping))
        _ = try await emulator.start()
        http = try CurlTransport()
    }

    func close() async {
        await emulator.stop()
        await server.close()
        bus.stop()
    }

    @discardableResult
    func admin(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
        let r = try await http.send(HTTPRequest(method: method, url: emulator.baseURL + path,
                                                headers: [HTTPHeader("Content-Type", "application/json")],
                                                body: body.map { Array($0.utf8) }, timeout: .seconds(30)))
        guard (200..<300).contains(r.status) else { throw BenchError("admin \(method) \(path) answered \(r.status)") }
        return r.body.isEmpty ? .null : try JSONValue.parse(r.body)
    }

    func openStreams() async throws -> Int {
        if case .object(let o) = try await admin("GET", "/_emulator/streams"), case .number(let n)? = o["open"] { return Int(n) }
        return -1
    }

    func apiCalls() async throws -> [JSONValue] { try await admin("GET", "/_emulator/calls").array ?? [] }
}
