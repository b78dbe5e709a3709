import BelfryCore
import Foundation
import Testing

/// The built `belfry` binary as a child process against an in-process agent (`--socket`): the
/// `--json` and `--waybar` schemas of docs/control.md, exit codes, completions.
@Suite(.serialized) struct CLIOutputTests {
    @Test func statusCountAndListJSONFollowTheDocumentedSchema() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: "first_run = \"none\""))
            try await w.firstPoll()
            let id = try #require(try await w.addItems(#"[{"title":"For the CLI","link":"/x"}]"#).first?["id"]?.string)
            try await w.eventually("recorded") { await w.agent.countJSON()["total"] == 1 }

            let status = try await Belfry.run(["status", "--json", "--socket", w.socket])
            #expect(status.code == 0, "\(status.stderr)")
            let s = try JSONValue.parse(status.stdout)
            #expect(keySet(s) == ["sources", "paused", "paused_until", "quiet_hours", "notification_server",
                                                        "pending_actions", "waiting_popups"])
            #expect(keySet(s["sources"]?.array?.first) == ["name", "preset", "enabled", "state", "transport",
                                                                                 "last_success", "last_error", "unread"])
            #expect(keySet(s["notification_server"]) == ["name", "vendor", "version", "capabilities"])

            let count = try await Belfry.run(["count", "--json", "--socket", w.socket])
            #expect(count.code == 0)
            #expect(try JSONValue.parse(count.stdout) == ["total": 1, "sources": ["work": 1]])
            let plain = try await Belfry.run(["count", "--socket", w.socket])
            #expect(plain.stdout == "1\n", "the human count is just the number, for bars")

            let list = try await Belfry.run(["list", "--json", "--source", "work", "--socket", w.socket])
            #expect(list.code == 0)
            let item = try #require(try JSONValue.parse(list.stdout)["items"]?.array?.first)
            #expect(item["key"] == .string("work:\(id)"))
            #expect(item["link"] == "https://app.example.com/x")
            #expect(keySet(item) == ["key", "source", "id", "type", "title", "body", "unread", "urgency",
                                                         "link", "created_at"])

            let unknown = try await Belfry.run(["count", "--source", "nope", "--socket", w.socket])
            #expect(unknown.code == 2, "bad params are a usage error")
            #expect(unknown.stderr.contains("configured: work"))
        }
    }

    /// 4,000 items of 800 characters: a `list` answer of about 4 MiB, far over the socket's 1 MiB
    /// output cap (which used to cut it: "closed the connection before answering"), comes whole
    /// through the socket and the real binary; `--limit` and `--after` page through it.
    @Test func aListOverThreeMiBArrivesWholeAndLimitPagesIt() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: "first_run = \"none\"", poll: "1h"))
            try await w.firstPoll()
            let body = String(repeating: "x", count: 800)
            let items = (1...4_000).map { n in
                Item(source: "work", id: "big-\(n)", title: "big \(n)", body: body, link: "https://app.example.com/\(n)",
                     createdAt: 1_800_000_000 + Double(n), urgency: .normal)
            }
            await w.agent.ingest(items, source: "work", complete: false)

            let direct = try await w.control("list")
            #expect(direct["items"]?.array?.count == 4_000)
            #expect(try await onThread { direct.serialized().utf8.count } > 3 * 1024 * 1024)
            #expect(direct["more"] == false && direct["next"] == .null && direct["total"] == 4_000)

            let all = try await Belfry.run(["list", "--json", "--socket", w.socket])
            #expect(all.code == 0, "\(all.stderr)")
            let stdout = all.stdout
            let listed = try await onThread { try JSONValue.parse(stdout)["items"]?.array ?? [] }  // 4 MiB: off the task pool
            #expect(listed.count == 4_000)
            #expect(listed.first?["key"] == "work:big-4000", "newest first")

            let first = try await Belfry.run(["list", "--json", "--limit", "10", "--socket", w.socket])
            let page1 = try JSONValue.parse(first.stdout)
            #expect(page1["items"]?.array?.compactMap { $0["id"]?.string } == (3_991...4_000).reversed().map { "big-\($0)" })
            #expect(page1["more"] == true && page1["total"] == 4_000)
            let next = try #require(page1["next"]?.string)
            let second = try await Belfry.run(["list", "--json", "--limit", "10", "--after", next, "--socket", w.socket])
            let page2 = try JSONValue.parse(second.stdout)
            #expect(page2["items"]?.array?.compactMap { $0["id"]?.string } == (3_981...3_990).reversed().map { "big-\($0)" })

            let human = try await Belfry.run(["list", "--limit", "2", "--socket", w.socket])
            #expect(human.stdout.contains("more unread items follow: belfry list --limit 2 --after '"), "\(human.stdout)")
            let zero = try await Belfry.run(["list", "--limit", "0", "--socket", w.socket])
            #expect(zero.code == 2 && zero.stderr.contains("--limit must be at least 1"), "\(zero.stderr)")
            let stale = try await Belfry.run(["list", "--after", "nonsense", "--socket", w.socket])
            #expect(stale.code == 2 && stale.stderr.contains("after must be the \"next\""), "\(stale.stderr)")
        }
    }

    @Test func watchWaybarPrintsTextAltTooltipClassAndPushesChanges() async throws {
        try await withWorld { w in
            try await w.start(w.configText(desktop: "first_run = \"none\""))
            try await w.firstPoll()
            try await withChild(["watch", "--waybar", "--socket", w.socket]) { watch in
            let first = try JSONValue.parse(try await watch.nextLine())
            #expect(first == ["text": "0", "alt": "none", "tooltip": "work: 0", "class": ["none"]])
            _ = try await w.addItems(#"[{"title":"to the bar"}]"#)
            let second = try JSONValue.parse(try await watch.nextLine())
            #expect(second == ["text": "1", "alt": "unread", "tooltip": "work: 1", "class": ["unread"]])
            _ = try await w.control("pause")
            let paused = try JSONValue.parse(try await watch.nextLine())
            #expect(paused == ["text": "1", "alt": "paused", "tooltip": "work: 1", "class": ["paused", "unread"]])
            }
        }
    }

    @Test func watchPrintsTheEventLines() async throws {
        try await withWorld { w in
            try await w.start(w.configText())
            try await withChild(["watch", "--socket", w.socket]) { watch in
                let line = try JSONValue.parse(try await watch.nextLine())
                #expect(line == ["total": 0, "sources": ["work": 0], "paused": false, "last_item": nil])
            }
        }
    }

    @Test func noAgentExitsThreeWithAHint() async throws {
        let r = try await Belfry.run(["count", "--socket", NSTemporaryDirectory() + "belfry-none-\(UUID().uuidString).sock"])
        #expect(r.code == 3)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("not running") && r.stderr.contains("belfry run"), "\(r.stderr)")
    }

    @Test(arguments: [["frobnicate"], ["read"], ["read", "--all", "work:ntf_1"], ["pause", "soon"], ["count", "--bogus"]])
    func invalidUsageExitsTwo(_ args: [String]) async throws {
        let r = try await Belfry.run(args + ["--socket", "/nonexistent/belfry.sock"])
        #expect(r.code == 2, "\(args): \(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsAreGenerated(_ shell: String) async throws {
        let r = try await Belfry.run(["--generate-completion-script", shell])
        #expect(r.code == 0)
        #expect(r.stdout.count > 500, "\(shell) completion is \(r.stdout.count) bytes")
        for verb in ["status", "count", "list", "watch", "pause"] { #expect(r.stdout.contains(verb)) }
    }

    /// `VERSION (COMMIT)`: the release scripts put the commit in (docs/packaging.md); a plain
    /// `swift build`, as here, says so.
    @Test func versionNamesTheVersionAndTheCommit() async throws {
        let r = try await Belfry.run(["--version"])
        #expect(r.code == 0)
        #expect(r.stdout.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+ \((commit unknown|[0-9a-f]{7,}(-dirty)?)\)\n/) != nil, "\(r.stdout)")
    }

    @Test func theManPageIsGeneratedFromTheCommands() async throws {
        let r = try await Belfry.run(["generate-manual"])
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix(".TH BELFRY 1"))
        for verb in ["status", "count", "list", "open", "read", "pause", "resume", "sync", "reload", "watch", "\\-\\-waybar", "EXIT STATUS"] {
            #expect(r.stdout.contains(verb), "the man page names \(verb)")
        }
    }
}

func keySet(_ v: JSONValue?) -> Set<String> { Set(v?.object?.keys.map { $0 } ?? []) }

/// The built `belfry` next to the test bundle (or under the package's .build/debug).
enum Belfry {
    static let binary: String = {
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = (exe as NSString).deletingLastPathComponent
            if dir.hasSuffix(".xctest") { dir = (dir as NSString).deletingLastPathComponent }
            candidates.append(dir + "/belfry")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.path + "/.build/debug/belfry")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    struct Result { var code: Int32; var stdout: String; var stderr: String }

    /// Runs `belfry ARGS` to the end (bounded: killed after `timeout`).
    static func run(_ args: [String], timeout: Duration = .seconds(20)) async throws -> Result {
        let child = try Child(args)
        defer { child.cleanUp() }
        let deadline = ContinuousClock.now + timeout
        while child.process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if child.process.isRunning { Issue.record("belfry \(args) did not finish within \(timeout)") }
        await child.stop()
        return Result(code: child.process.terminationStatus, stdout: child.stdout, stderr: child.stderr)
    }
}

/// A `belfry` child process whose output goes to files (no pipes to drain, no EOF to wait for).
final class Child: @unchecked Sendable {
    let process = Process()
    let dir = NSTemporaryDirectory() + "belfry-cli-\(UUID().uuidString)"
    private var consumed = 0

    init(_ args: [String]) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Belfry.binary),
                     "no built belfry at \(Belfry.binary): run `swift build` first")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        process.executableURL = URL(fileURLWithPath: Belfry.binary)
        process.arguments = args
        process.standardOutput = FileHandle(forWritingAtPath: dir + "/out")
        process.standardError = FileHandle(forWritingAtPath: dir + "/err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stdout: String { (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "" }

    /// The next complete line of stdout, waiting at most `timeout`.
    func nextLine(timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if lines.count > consumed {
                consumed += 1
                return String(lines[consumed - 1])
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("no line \(consumed + 1) from belfry within \(timeout); stderr: \(stderr)")
        throw CancellationError()
    }

    /// Kills the child if it still runs (SIGKILL: a test process may hand down an ignored SIGTERM) and reaps it.
    func stop() async {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    }

    func cleanUp() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// Runs `body` with a running `belfry ARGS` child, killed afterwards whatever happens.
func withChild(_ args: [String], _ body: (Child) async throws -> Void) async throws {
    let child = try Child(args)
    do {
        try await body(child)
    } catch {
        await child.stop()
        child.cleanUp()
        throw error
    }
    await child.stop()
    child.cleanUp()
}
