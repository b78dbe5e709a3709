import BelfryAgent
import BelfryCore
import BelfryDBus
import BelfryEmulatorKit
import BelfryHTTP
import BelfryTestSupport
import Foundation
import Logging
import Testing

/// A private world for one integration test: a private dbus-daemon with a fake notification server,
/// the provider emulator on loopback, a temp folder for state and sockets, and a stub opener that
/// records what it was asked to open.
final class AgentWorld: @unchecked Sendable {
    let bus: PrivateBus
    var server: FakeNotificationServer?
    let emulator: Emulator
    let dir: String
    let http: CurlTransport
    var running: (prepared: AgentRunner.Prepared, task: Task<Void, any Error>)?
    var sink: DBusNotifications?

    init(preset: EmulatorPreset = .jaot, server: Bool = true, capabilities: [String] = FakeNotificationServer.defaultCapabilities,
         options: EmulatorOptions = EmulatorOptions()) async throws {
        bus = try PrivateBus()
        emulator = Emulator(preset: preset, options: options)
        _ = try await emulator.start()
        dir = NSTemporaryDirectory() + "belfry-agent-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        http = try CurlTransport()
        if server { self.server = try await FakeNotificationServer.start(busAddress: bus.address, capabilities: capabilities) }
        let opener = dir + "/opener"
        try "#!/bin/sh\nprintf '%s %s\\n' \"$XDG_ACTIVATION_TOKEN\" \"$1\" >> \"\(dir)/opened\"\n"
            .write(toFile: opener, atomically: true, encoding: .utf8)
        chmod(opener, 0o755)
    }

    var openerLog: [String] {
        ((try? String(contentsOfFile: dir + "/opened", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func configText(source: String = "", desktop: String = "", preset: String? = nil, poll: String = "1s") -> String {
        let preset = preset ?? emulator.preset.rawValue
        return """
        [agent]
        state_file = "\(dir)/state.json"
        control_socket = "\(dir)/run/control.sock"
        log_level = "debug"
        [desktop]
        opener = ["\(dir)/opener"]
        \(desktop)
        [[source]]
        name = "work"
        preset = "\(preset)"
        base_url = "\(emulator.baseURL)"
        web_url = "https://app.example.com"
        token = "test-token"
        poll_interval = "\(poll)"
        \(source)
        """
    }

    /// Loads `text` and runs the agent; `beforeRun` sees it before any feed starts.
    func start(_ text: String, beforeRun: (Agent) async -> Void = { _ in }) async throws {
        let path = dir + "/config.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: path)
        var logger = Logger(label: "belfry-test")
        logger.logLevel = .warning
        let sink = DBusNotifications(busAddress: bus.address)
        self.sink = sink
        let runner = AgentRunner(config: config, configPath: path, sink: sink, transport: http,
                                 environment: ["HOME": dir], logger: logger)
        let prepared = try await runner.prepare(trapSignals: false)
        await beforeRun(prepared.agent)
        running = (prepared, Task { try await prepared.run() })
    }

    var agent: Agent { running!.prepared.agent }

    func stop() async throws {
        guard let running else { return }
        await running.prepared.shutdown()
        try await running.task.value
        await sink?.shutdown()
        self.running = nil
    }

    func close() async {
        try? await stop()
        await server?.stop()
        await emulator.stop()
        bus.stop()
        try? FileManager.default.removeItem(atPath: dir)
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

    func addItems(_ json: String) async throws -> [JSONValue] {
        try await admin("POST", "/_emulator/items", json).array ?? []
    }

    func calls() async throws -> [JSONValue] { try await admin("GET", "/_emulator/calls").array ?? [] }

    /// Waits (bounded) until `condition` holds.
    func eventually(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for: \(what)")
        throw CancellationError()
    }
}

func withWorld(preset: EmulatorPreset = .jaot, server: Bool = true, capabilities: [String] = FakeNotificationServer.defaultCapabilities,
               options: EmulatorOptions = EmulatorOptions(), _ body: (AgentWorld) async throws -> Void) async throws {
    let world = try await AgentWorld(preset: preset, server: server, capabilities: capabilities, options: options)
    do {
        try await body(world)
    } catch {
        await world.close()
        throw error
    }
    await world.close()
}
