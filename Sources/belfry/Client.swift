import ArgumentParser
import BelfryAgent
import BelfryControl
import BelfryCore

/// Options of every verb that talks to a running agent.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Config file, to find a non-default control_socket.")
    var config: String?

    @Option(name: .long, help: "Control socket path (default: $XDG_RUNTIME_DIR/belfry/control.sock).")
    var socket: String?

    @Flag(name: .long, help: "Print the agent's answer as JSON (schema: docs/control.md).")
    var json = false

    func socketPath() throws -> String {
        let env = Environment.current
        if let socket { return socket }
        let path = config ?? ConfigLoader.defaultPath(environment: env)
        if let c = try? ConfigLoader.load(path: path), !c.agent.controlSocket.isEmpty {
            return TokenLoader.expandHome(c.agent.controlSocket, environment: env)
        }
        guard let p = ControlSocketPath.default(environment: env) else {
            printError("belfry: $XDG_RUNTIME_DIR is not set; pass --socket PATH")
            throw ExitCode(2)
        }
        return p
    }

    /// Calls one method, mapping failures to the documented exit codes.
    func call(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        let client = try connect()
        do {
            return try client.call(method, params: params)
        } catch let e as ControlError {
            printError("belfry: \(e.message)")
            throw ExitCode(e.code == ControlError.Code.invalidParams || e.code == ControlError.Code.notFound ? 2 : 1)
        } catch {
            printError("belfry: \(error)")
            throw ExitCode(1)
        }
    }

    func connect() throws -> ControlClient {
        let path = try socketPath()
        do {
            return try ControlClient(path: path)
        } catch let e where e.code == .notRunning {
            printError("belfry: the agent is not running (no one listens on \(path)); start it with `systemctl --user start belfry` or `belfry run`")
            throw ExitCode(3)
        } catch {
            printError("belfry: cannot reach the agent on \(path): \(error.message)")
            throw ExitCode(1)
        }
    }

    func emit(_ value: JSONValue, human: () -> String) {
        print(json ? value.serialized() : human())
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sources, their transport and health, the notification server, paused state.")
    @OptionGroup var client: ClientOptions

    func run() throws {
        let s = try client.call("status")
        client.emit(s) {
            var lines: [String] = []
            for src in s["sources"]?.array ?? [] {
                let name = src["name"]?.string ?? "?"
                var line = "\(name.padding(to: 14)) \((src["preset"]?.string ?? "").padding(to: 13)) \((src["state"]?.string ?? "").padding(to: 12)) \((src["transport"]?.string ?? "").padding(to: 7)) \(src["unread"]?.int ?? 0) unread"
                if let last = src["last_success"]?.string { line += ", last ok \(last)" }
                if let floor = src["poll_interval_floor"]?.int { line += ", polled at most every \(floor) s (the service's X-Poll-Interval)" }
                if let err = src["last_error"]?.string { line += "\n  last error: \(err)" }
                lines.append(line)
            }
            if let server = s["notification_server"], server != .null {
                lines.append("notification server: \(server["name"]?.string ?? "?") \(server["version"]?.string ?? "") (\((server["capabilities"]?.array ?? []).compactMap(\.string).joined(separator: ", ")))")
            } else {
                lines.append("notification server: none on the bus (popups wait)")
            }
            if s["paused"]?.bool == true { lines.append("paused\(s["paused_until"]?.string.map { " until \($0)" } ?? "")") }
            if let n = s["pending_actions"]?.int, n > 0 { lines.append("\(n) mark-read action(s) waiting to reach their service") }
            return lines.joined(separator: "\n")
        }
    }
}

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Unread items: the total (or one source's), for status bars.")
    @OptionGroup var client: ClientOptions
    @Option(help: "Only this source.") var source: String?

    func run() throws {
        let c = try client.call("count", source.map { ["source": .string($0)] })
        client.emit(c) { String(c["total"]?.int ?? 0) }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unread items, newest first.",
        discussion: "With --limit, one page: --json says \"more\": true and gives \"next\", which --after takes for the next page.")
    @OptionGroup var client: ClientOptions
    @Option(help: "Only this source.") var source: String?
    @Option(help: "At most this many items (a status bar need not pull them all).") var limit: Int?
    @Option(help: ArgumentHelp("Continue after an earlier page: its \"next\".", valueName: "cursor")) var after: String?
    @Flag(help: "Only unread items (the agent lists unread items only; kept for scripts).") var unread = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        var p: [String: JSONValue] = ["unread": .bool(unread)]
        if let source { p["source"] = .string(source) }
        if let limit { p["limit"] = .number(Double(limit)) }
        if let after { p["after"] = .string(after) }
        let r = try client.call("list", .object(p))
        client.emit(r) {
            let items = r["items"]?.array ?? []
            var lines = items.map { i in
                "\(i["key"]?.string ?? "")  \(i["title"]?.string ?? "")" + (i["link"]?.string.map { "\n    \($0)" } ?? "")
            }
            if items.isEmpty { lines.append(after == nil ? "no unread items" : "no more unread items") }
            if let next = r["next"]?.string {
                let options = (source.map { " --source \($0)" } ?? "") + (limit.map { " --limit \($0)" } ?? "")
                lines.append("more unread items follow: belfry list\(options) --after '\(next)'")
            }
            return lines.joined(separator: "\n")
        }
    }
}

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open an item's link as a click would, and mark it read.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "The item key, SOURCE:ID (see `belfry list`).") var key: String

    func run() throws {
        let r = try client.call("open", ["key": .string(key)])
        client.emit(r) { "opened \(key)" }
    }
}

struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Mark items read (here and on the service).")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Everything (of --source, or of all sources).") var all = false
    @Option(help: "With --all: only this source.") var source: String?
    @Argument(help: "Item keys, SOURCE:ID.") var keys: [String] = []

    func validate() throws {
        if all == keys.isEmpty { return }
        throw ValidationError(all ? "give either --all or item keys, not both" : "give item keys (SOURCE:ID) or --all")
    }

    func run() throws {
        var p: [String: JSONValue] = [:]
        if all {
            p["all"] = true
            if let source { p["source"] = .string(source) }
        } else {
            p["keys"] = .array(keys.map { .string($0) })
        }
        let r = try client.call("read", .object(p))
        client.emit(r) { "marked \(r["marked"]?.int ?? 0) read" }
    }
}

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Do not disturb: record items without popups (for DURATION, or until resume).")
    @OptionGroup var client: ClientOptions
    @Argument(help: "How long, e.g. 30m or 2h.") var duration: String?

    func validate() throws {
        if let duration { do { _ = try DurationText.parse(duration) } catch { throw ValidationError(error.description) } }
    }

    func run() throws {
        let r = try client.call("pause", duration.map { ["duration": .string($0)] })
        client.emit(r) { "paused" + (duration.map { " for \($0)" } ?? " until `belfry resume`") }
    }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End do-not-disturb; what arrived meanwhile comes as one summary.")
    @OptionGroup var client: ClientOptions
    func run() throws {
        let r = try client.call("resume")
        client.emit(r) { "resumed" }
    }
}

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Poll now.")
    @OptionGroup var client: ClientOptions
    @Option(help: "Only this source.") var source: String?
    func run() throws {
        let r = try client.call("sync", source.map { ["source": .string($0)] })
        client.emit(r) { "syncing \(r["syncing"]?.int ?? 0) source(s)" }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Re-read the config without dropping state (same as SIGHUP).")
    @OptionGroup var client: ClientOptions
    func run() throws {
        let r = try client.call("reload")
        client.emit(r) { "reloaded: \((r["sources"]?.array ?? []).count) source(s)" }
    }
}

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One JSON line now and one per change (count, paused, last item), for status bars.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Waybar's custom-module format: {text, alt, tooltip, class}.") var waybar = false

    func run() throws {
        let c = try client.connect()
        do {
            try c.subscribe { event in
                print(waybar ? Self.waybar(event).serialized() : event.serialized())
                fflushStdout()
            }
        } catch {
            printError("belfry: the agent went away: \(error)")
            throw ExitCode(1)
        }
    }

    static func waybar(_ e: JSONValue) -> JSONValue {
        let total = e["total"]?.int ?? 0
        let paused = e["paused"]?.bool ?? false
        let per = (e["sources"]?.object ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.int ?? 0)" }
        let alt = paused ? "paused" : (total > 0 ? "unread" : "none")
        var classes: [JSONValue] = [.string(alt)]
        if paused, total > 0 { classes.append("unread") }
        return ["text": .string(String(total)), "alt": .string(alt),
                "tooltip": .string(per.isEmpty ? "no sources" : per.joined(separator: "\n")), "class": .array(classes)]
    }
}
