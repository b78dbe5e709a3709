import BelfryAgent
import BelfryCore
import BelfryEmulatorKit
import Foundation
import Testing

/// Tokens never leave the agent: not in its log (at trace level, through refusals and errors), not
/// in popups, `belfry check`, the control answers or the state file.
@Suite(.serialized) struct SecretLeakTests {
    static let token = "tok-SECRET-7f3a9c21e5"

    @Test func aDistinctiveTokenAppearsNowhere() async throws {
        let world = try await AgentWorld(options: EmulatorOptions(token: Self.token))
        do {
            try await Self.check(world)
        } catch {
            await world.close()
            throw error
        }
        await world.close()
    }

    /// Issue 14, finding 1: a service that echoes the credential it was sent (in an item, an SSE
    /// `error` event, a response header, and a 401 body) does not get it into the log, the popups
    /// (the refused-token one included), `status`/`count`/`list`, the state file or the journal.
    @Test func aTokenTheServiceEchoesBackIsRedactedEverywhere() async throws {
        try await withWorld(preset: .visualLayer, options: EmulatorOptions(token: Self.token, ssePingInterval: .milliseconds(200))) {
            try await Self.checkEchoes($0)
        }
    }

    static func checkEchoes(_ w: AgentWorld) async throws {
        let tokenFile = w.dir + "/work.token"
        try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let config = w.configText(poll: "10m").replacingOccurrences(of: "token = \"test-token\"", with: "token_file = \"\(tokenFile)\"")
        let log = LogCapture()
        try await w.start(config, log: log)
        var statuses: [String] = []
        func streaming() async throws {
            try await w.eventually("the stream is up", timeout: .seconds(15)) {
                let transport = await w.agent.statusJSON()["sources"]?[path: "0.transport"]?.string
                let open = try await w.admin("GET", "/_emulator/streams")["open"]?.int ?? 0
                return transport == "stream" && open == 1
            }
        }
        try await streaming()
        // An item whose text carries the token (its title comes from metadata.view_name).
        _ = try await w.addItems(#"[{"message":"key \#(token)","metadata":{"view_name":"Echo \#(token)","dataset_name":"D","result_count":1}}]"#)
        let popup = try #require(try await w.server!.waitForNotifyCalls(1, timeout: .seconds(10)).first)
        #expect(popup.summary == "New results in Echo [redacted]")
        // An SSE `error` event on the open stream, echoing the credential it was opened with.
        try await w.admin("POST", "/_emulator/faults", #"{"kind":"stream_error"}"#)
        try await w.eventually("the error event was logged") { log.contains("internal error while serving [redacted]") }
        // The reconnect answered 200 with the credential as its Content-Type (quoted in the reason).
        try await w.admin("POST", "/_emulator/faults", #"{"kind":"echo_credential","status":200,"header":"Content-Type","path":"/api/v1/notifications/stream"}"#)
        try await w.admin("POST", "/_emulator/faults", #"{"kind":"drop_stream"}"#)
        try await w.eventually("the echoed header was reported", timeout: .seconds(15)) { log.contains("Content-Type: [redacted]") }
        statuses.append(await w.agent.statusJSON().serialized())
        // A refusal whose body and header echo the credential, on every poll from now (so no later
        // success clears `last_error`; the open stream makes no request).
        try await streaming()
        try await w.admin("POST", "/_emulator/faults", #"{"kind":"echo_credential","status":401,"times":1000,"path":"/api/v1/notifications","method":"GET"}"#)
        _ = await w.agent.syncNow(source: nil)
        try await w.eventually("refused", timeout: .seconds(15)) { await w.sourceError?.contains("credential rejected: [redacted]") == true }
        let refusal = try #require(try await w.server!.waitForNotifyCalls(2, timeout: .seconds(10)).last)
        #expect(refusal.body.contains("credential rejected: [redacted]"), "\(refusal.body)")
        #expect(try await w.calls().contains { $0["token"]?.string == token }, "the token was really sent")

        var surfaces: [String: String] = [:]
        surfaces["log"] = log.all.joined(separator: "\n")
        surfaces["popups"] = w.server!.notifyCalls.map { "\($0)" }.joined(separator: "\n")
        surfaces["status"] = (statuses + [await w.agent.statusJSON().serialized()]).joined(separator: "\n")
        surfaces["count"] = await w.agent.countJSON().serialized()
        surfaces["snapshot"] = await w.agent.snapshotJSON().serialized()
        surfaces["list"] = await w.agent.unreadItems().map { Agent.itemJSON($0).serialized() }.joined()
        #expect(surfaces["list"]!.contains("Echo [redacted]"), "the item is listed, redacted")
        #expect(surfaces["status"]!.contains("credential rejected: [redacted]"), "last_error holds the refusal, redacted")
        try await w.stop()
        surfaces["state"] = try String(contentsOfFile: w.dir + "/state.json", encoding: .utf8)
        surfaces["journal"] = (try? String(contentsOfFile: w.dir + "/state.json.journal", encoding: .utf8)) ?? ""
        for (name, text) in surfaces.sorted(by: { $0.key < $1.key }) {
            #expect(!text.contains(token), "the token leaked into \(name)")
            #expect(!text.contains("SECRET-7f3a"), "part of the token leaked into \(name)")
        }
    }

    static func check(_ w: AgentWorld) async throws {
        let tokenFile = w.dir + "/work.token"
        try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let config = w.configText().replacingOccurrences(of: "token = \"test-token\"", with: "token_file = \"\(tokenFile)\"")
        let log = LogCapture()
        try await w.start(config, log: log)
        try await w.waitUntilPolled()
        let id = try #require(try await w.addItems(#"[{"title":"one"}]"#).first?["id"]?.string)
        let popup = try #require(try await w.server!.waitForNotifyCalls(1).first)
        // Errors of every kind, the token being sent with each request.
        try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":500,"times":1}"#)
        try await w.admin("POST", "/_emulator/faults", #"{"kind":"malformed","times":1}"#)
        try await w.eventually("errors seen", timeout: .seconds(15)) { log.contains("list answer is") }
        try await w.server!.emitActionInvoked(id: popup.returnedID, key: "mark-read")
        try await w.eventually("marked read") { try await w.calls(to: "/api/v2/notifications/\(id)/read", method: "POST").count == 1 }
        // A refusal: the service now wants another token.
        try await w.admin("POST", "/_emulator/faults", #"{"kind":"status","status":401,"times":1}"#)
        try await w.eventually("refused") { await w.sourceState == "auth-failed" }
        #expect(try await w.calls().contains { $0["token"]?.string == token }, "the token was really sent")

        var surfaces: [String: String] = [:]
        surfaces["log"] = log.all.joined(separator: "\n")
        surfaces["popups"] = w.server!.notifyCalls.map { "\($0)" }.joined(separator: "\n")
        surfaces["status"] = await w.agent.statusJSON().serialized()
        surfaces["count"] = await w.agent.countJSON().serialized()
        surfaces["snapshot"] = await w.agent.snapshotJSON().serialized()
        surfaces["list"] = await w.agent.unreadItems().map { Agent.itemJSON($0).serialized() }.joined()
        try await w.stop()
        surfaces["state"] = try String(contentsOfFile: w.dir + "/state.json", encoding: .utf8)
        // `belfry check` reaches the source with the token and reports.
        let (status, output) = try await RealBinary.run(["check", "--config", w.dir + "/config.toml"],
                                                        environment: ["HOME": w.dir, "PATH": "/usr/bin:/bin"], output: w.dir + "/check.out")
        #expect(status == 0, "\(output)")
        surfaces["check"] = output
        #expect(surfaces["log"]!.contains("refused the token"), "the log was captured")
        for (name, text) in surfaces.sorted(by: { $0.key < $1.key }) {
            #expect(!text.contains(token), "the token leaked into \(name)")
            #expect(!text.contains("SECRET-7f3a"), "part of the token leaked into \(name)")
        }
    }
}

@Suite struct SecretFileModeTests {
    @Test func aConfigReadableByOthersIsWarnedAbout() throws {
        let dir = NSTemporaryDirectory() + "belfry-mode-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.toml"
        try "[agent]\nlog_level = \"info\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        #expect(try ConfigLoader.load(path: path).warnings.contains { $0.contains("can be read by other users") && $0.contains("644") })
        chmod(path, 0o600)
        #expect(!(try ConfigLoader.load(path: path).warnings.contains { $0.contains("can be read by other users") }))
    }

    @Test func aTokenFileReadableByOthersIsWarnedAboutAndACredentialIsRead() throws {
        let dir = NSTemporaryDirectory() + "belfry-cred-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "  from-file \n".write(toFile: dir + "/t", atomically: true, encoding: .utf8)
        chmod(dir + "/t", 0o640)
        var warnings: [String] = []
        #expect(try TokenLoader.load(.file(dir + "/t"), source: "w", environment: [:], warn: { warnings.append($0) }) == "from-file")
        #expect(warnings.count == 1 && !warnings[0].contains("from-file"))
        // systemd credentials: LoadCredential= puts the file in $CREDENTIALS_DIRECTORY.
        try "cred-token\n".write(toFile: dir + "/work-token", atomically: true, encoding: .utf8)
        #expect(try TokenLoader.load(.credential("work-token"), source: "w", environment: ["CREDENTIALS_DIRECTORY": dir]) == "cred-token")
        #expect(throws: TokenLoader.Failure.self) { try TokenLoader.load(.credential("work-token"), source: "w", environment: [:]) }
        do {
            _ = try TokenLoader.load(.credential("missing"), source: "w", environment: ["CREDENTIALS_DIRECTORY": dir])
            Issue.record("a missing credential loaded")
        } catch {
            #expect(error.message.contains("missing") && error.message.contains("source \"w\""))
        }
    }

    @Test func caFileReachesTheRequest() throws {
        let config = try ConfigLoader.parse("""
            [[source]]
            name = "w"
            preset = "jaot"
            base_url = "https://api.example.com"
            token_env = "T"
            ca_file = "/etc/belfry/private-ca.pem"
            """, file: "t.toml")
        let source = try #require(config.sources.first)
        struct NoTransport: HTTPTransport {
            func send(_ request: HTTPRequest) async throws -> HTTPResponse { HTTPResponse(status: 500) }
            func stream(_ request: HTTPStreamRequest) -> AsyncThrowingStream<HTTPStreamPart, Error> { .init { $0.finish() } }
        }
        let client = ProviderClient(source: source, transport: NoTransport(), token: "t")
        let request = client.request(source.profile.list, id: nil, query: [:], body: nil)
        // CurlRequestOptions sets it as CURLOPT_CAINFO, with VERIFYPEER 1 and VERIFYHOST 2 always.
        #expect(request.security.caFile == "/etc/belfry/private-ca.pem")
    }
}
