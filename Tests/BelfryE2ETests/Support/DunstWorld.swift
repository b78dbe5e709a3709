import BelfryAgent
import BelfryCore
import BelfryDBus
import BelfryEmulatorKit
import BelfryHTTP
import Foundation
import Logging
import Testing

/// The real agent (in-process, as `belfry run` builds it) against the provider emulator on loopback
/// and a real dunst under Xvfb on a private session bus. A stub opener records what it was asked to open.
final class DunstWorld: @unchecked Sendable {
    let desktop: DunstSession
    let emulator: Emulator
    let http: CurlTransport
    var dir: String { desktop.dir }
    private var running: (prepared: AgentRunner.Prepared, task: Task<Void, any Error>, sink: DBusNotifications)?

    init(desktop: DunstSession, preset: EmulatorPreset) async throws {
        self.desktop = desktop
        emulator = Emulator(preset: preset)
        _ = try await emulator.start()
        http = try CurlTransport()
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let opener = dir + "/opener"
        try "#!/bin/sh\nprintf '%s\\n' \"$1\" >> \"\(dir)/opened\"\n".write(toFile: opener, atomically: true, encoding: .utf8)
        chmod(opener, 0o755)
    }

    var openerLog: [String] {
        ((try? String(contentsOfFile: dir + "/opened", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    var agent: Agent { running!.prepared.agent }

    func start(source: String = "", desktop extra: String = "") async throws {
        let text = """
            [agent]
            state_file = "\(dir)/state.json"
            control_socket = "\(dir)/run/control.sock"
            [desktop]
            opener = ["\(dir)/opener"]
            \(extra)
            [[source]]
            name = "work"
            preset = "\(emulator.preset.rawValue)"
            base_url = "\(emulator.baseURL)"
            web_url = "https://app.example.com"
            token = "test-token"
            poll_interval = "1s"
            \(source)
            """
        let path = dir + "/config.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: path)
        var logger = Logger(label: "belfry-e2e")
        logger.logLevel = .warning
        let sink = DBusNotifications(busAddress: desktop.bus.address)
        let runner = AgentRunner(config: config, configPath: path, sink: sink, transport: http,
                                 environment: ["HOME": dir], logger: logger)
        let prepared = try await runner.prepare(trapSignals: false)
        running = (prepared, Task { try await prepared.run() }, sink)
        try await eventually("the first poll") { await self.agent.statusJSON()["sources"]?[path: "0.state"]?.string == "ok" }
    }

    func close() async {
        if let running {
            await running.prepared.shutdown()
            _ = try? await running.task.value
            await running.sink.shutdown()
            self.running = nil
        }
        await emulator.stop()
    }

    // MARK: emulator admin

    @discardableResult
    func admin(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
        let r = try await http.send(HTTPRequest(method: method, url: emulator.baseURL + path,
                                                headers: [HTTPHeader("Content-Type", "application/json")],
                                                body: body.map { Array($0.utf8) }))
        #expect((200..<300).contains(r.status), "admin \(method) \(path) answered \(r.status)")
        return r.body.isEmpty ? .null : try JSONValue.parse(r.body)
    }

    func addItem(_ json: String) async throws -> JSONValue {
        guard let item = try await admin("POST", "/_emulator/items", json).array?.first else {
            throw E2EError.failed("the emulator stored no item for \(json)")
        }
        return item
    }

    func calls() async throws -> [JSONValue] { try await admin("GET", "/_emulator/calls").array ?? [] }

    /// Waits (bounded) until `condition` holds; on timeout records an issue naming what and dunst's log.
    func eventually(_ what: String, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for: \(what)\n--- dunst log ---\n\(desktop.log)")
        throw E2EError.failed("timed out waiting for: \(what)")
    }
}

/// Runs `body` with a fresh dunst session and world, and tears everything down by pid, also on failure.
func withDunst(preset: EmulatorPreset, _ body: (DunstWorld) async throws -> Void) async throws {
    let desktop = try await DunstSession.start()
    let world: DunstWorld
    do {
        world = try await DunstWorld(desktop: desktop, preset: preset)
    } catch {
        await desktop.close()
        throw error
    }
    do {
        try await body(world)
    } catch {
        await world.close()
        await desktop.close()
        throw error
    }
    await world.close()
    await desktop.close()
}
