import BelfryControl
import BelfryCore
import BelfryEmulatorKit
import BelfryHTTP
import BelfryTestSupport
import Foundation
import Glibc

/// The soak's world: a private bus with the recording server, and two emulators (stream and poll).
final class SoakWorld: @unchecked Sendable {
    let bus: PrivateBus
    let server: RecordingServer
    let vl: Emulator
    let bs: Emulator
    let http: CurlTransport

    init(token: String) async throws {
        bus = try PrivateBus()
        server = try await RecordingServer.start(busAddress: bus.address)
        vl = Emulator(preset: .visualLayer, options: EmulatorOptions(token: token, ssePingInterval: .seconds(3)))
        bs = Emulator(preset: .bytespike, options: EmulatorOptions(token: token))
        _ = try await vl.start()
        _ = try await bs.start()
        http = try CurlTransport()
    }

    func close() async {
        await vl.stop()
        await bs.stop()
        await server.close()
        bus.stop()
    }

    @discardableResult
    func admin(_ emulator: Emulator, _ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
        let r = try await http.send(HTTPRequest(method: method, url: emulator.baseURL + path,
                                                headers: [HTTPHeader("Content-Type", "application/json")],
                                                body: body.map { Array($0.utf8) }, timeout: .seconds(30),
                                                maxBodyBytes: 256 << 20))
        guard (200..<300).contains(r.status) else { throw BenchError("admin \(method) \(path) answered \(r.status)") }
        return r.body.isEmpty ? .null : try JSONValue.parse(r.body)
    }
}
