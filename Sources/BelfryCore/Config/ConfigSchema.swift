/// Every config key Belfry knows, in one table (as dunst does): validation, defaults,
/// `config.example.toml` and the docs are all derived from it, so they cannot drift apart.
public struct Setting: Sendable {
    public enum Kind: Sendable, Equatable {
        case string
        case int(ClosedRange<Int>)
        case bool
        case duration(min: Duration)
        case oneOf([String])
        /// An array of strings, each from `allowed` when that is non-empty.
        case strings(allowed: [String])
        /// A string (split into words) or an array of strings: a command's argv.
        case command
        /// A table of string values (numbers and booleans are accepted and written as text).
        case stringMap(values: [String])
        /// A nested table validated by its own schema (`profile`).
        case table
        /// A string or an array of strings: candidate JSON paths or `{path}` templates, first match wins.
        case paths
        /// An array of integers (HTTP statuses).
        case ints
    }

    public var key: String
    public var kind: Kind
    /// nil: no default (required, or simply unset when `required` is false).
    public var defaultValue: ConfigNode?
    public var required: Bool
    /// What `config.example.toml` shows for keys without a default.
    public var example: ConfigNode?
    public var doc: String

    public init(_ key: String, _ kind: Kind, default defaultValue: ConfigNode? = nil, required: Bool = false,
                example: ConfigNode? = nil, doc: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.required = required
        self.example = example
        self.doc = doc
    }

    /// What is allowed, in words, for error messages.
    public var allowed: String {
        switch kind {
        case .string: "a string"
        case .int(let r): r.upperBound == Int.max ? "an integer ≥ \(r.lowerBound)" : "an integer from \(r.lowerBound) to \(r.upperBound)"
        case .bool: "true or false"
        case .duration(let min): "a duration of at least \(DurationText.format(min)) such as \"90s\", \"5m\", \"24h\""
        case .oneOf(let v): "one of " + v.map { "\"\($0)\"" }.joined(separator: ", ")
        case .strings(let a): a.isEmpty ? "an array of strings" : "an array whose items are " + a.map { "\"\($0)\"" }.joined(separator: ", ")
        case .command: "a command as a string or an array of strings"
        case .stringMap(let v): v.isEmpty ? "a table of strings" : "a table whose values are " + v.map { "\"\($0)\"" }.joined(separator: ", ")
        case .table: "a table"
        case .paths: "a JSON path (or template) or an array of them"
        case .ints: "an array of integers"
        }
    }
}

public struct ConfigSection: Sendable {
    public var name: String
    public var isArray: Bool
    public var doc: String
    public var settings: [Setting]

    public func setting(_ key: String) -> Setting? { settings.first { $0.key == key } }
    public var keys: [String] { settings.map(\.key) }
}

public enum ConfigSchema {
    public static let urgencyNames = ["low", "normal", "critical"]
    public static let presetNames = ["jaot", "aira", "taskrunner", "bytespike", "visual-layer", "custom"]

    public static let agent = ConfigSection(name: "agent", isArray: false, doc: "The agent process.", settings: [
        Setting("log_level", .oneOf(["trace", "debug", "info", "notice", "warning", "error"]), default: .string("info"),
                doc: "trace | debug | info | notice | warning | error (logs go to stderr, i.e. the journal)"),
        Setting("state_file", .string, default: .string(""),
                doc: "where seen items, cursors and pending actions live; \"\" = $XDG_STATE_HOME/belfry/state.json"),
        Setting("control_socket", .string, default: .string(""),
                doc: "the control socket; \"\" = $XDG_RUNTIME_DIR/belfry/control.sock"),
        Setting("max_seen", .int(100...10_000_000), default: .int(20000),
                doc: "seen item keys remembered per source (oldest forgotten first; items older than max_age never pop)"),
    ])

    public static let desktop = ConfigSection(name: "desktop", isArray: false, doc: "How popups look and behave.", settings: [
        Setting("app_name", .string, default: .string("Belfry"),
                doc: "the application name of popups that belong to no source (a source's popups carry its own `app_name`)"),
        Setting("icon", .string, default: .string("belfry"),
                doc: "icon name or absolute path for popups (a source's `icon` overrides it); one installed in no icon theme is replaced by a stock icon (mail-unread)"),
        Setting("desktop_entry", .string, default: .string("belfry"), doc: "the desktop-entry hint (belfry.desktop is installed by `make install`)"),
        Setting("expire_timeout", .int(-1...86_400_000), default: .int(-1), doc: "ms; -1 = the notification server decides, 0 = never"),
        Setting("actions", .strings(allowed: ["open", "mark-read"]), default: .array([.string("mark-read")]),
                doc: "buttons beside the one \"Open\" action (the `default` action, always offered for an item with a link; \"open\" is accepted and means it); what a click does is the server's choice, see README"),
        Setting("mark_read_on", .strings(allowed: ["open", "mark-read", "dismiss"]),
                default: .array([.string("open"), .string("mark-read")]),
                doc: "add \"dismiss\" to mark read when the user closes the popup (never on expiry)"),
        Setting("burst_limit", .int(1...1000), default: .int(5), doc: "popups allowed per burst_window; the rest become one summary popup"),
        Setting("burst_window", .duration(min: .seconds(1)), default: .string("10s"), doc: "the window burst_limit counts in"),
        Setting("first_run", .oneOf(["summary", "all", "none"]), default: .string("summary"),
                doc: "summary | all | none: what the backlog found on a source's first start does"),
        Setting("max_age", .duration(min: .seconds(1)), default: .string("24h"), doc: "older items are recorded as seen without a popup"),
        Setting("quiet_hours", .string, default: .string(""),
                doc: "a daily do-not-disturb window, e.g. \"22:00-07:00\" (local time): items are recorded, critical ones still pop, the rest are summarised when it ends"),
        Setting("opener", .command, default: .array([.string("xdg-open")]),
                doc: "the program that opens deep links, as argv (the URL is appended; never run through a shell)"),
    ])

    public static let source = ConfigSection(name: "source", isArray: true, doc: "One followed feed; repeat for each account.", settings: [
        Setting("name", .string, required: true, example: .string("work"), doc: "unique; [a-z0-9-]+; item keys are NAME:ID"),
        Setting("preset", .oneOf(presetNames), required: true, example: .string("jaot"),
                doc: "jaot | aira | taskrunner | bytespike | visual-layer | custom (custom needs a full `profile`)"),
        Setting("base_url", .string, example: .string("https://api.jaot.io"),
                doc: "the API root (taskrunner defaults to http://localhost:9477)"),
        Setting("web_url", .string, example: .string("https://app.jaot.io"), doc: "where relative deep links resolve; default base_url"),
        Setting("token_file", .string, example: .string("~/.config/belfry/work.token"), doc: "a file holding the token (one of the token_* keys)"),
        Setting("token_command", .command, doc: "or: a command printing the token, e.g. \"secret-tool lookup belfry work\""),
        Setting("token_env", .string, doc: "or: an environment variable holding the token"),
        Setting("token_credential", .string, doc: "or: a systemd credential name (LoadCredential=), read from $CREDENTIALS_DIRECTORY"),
        Setting("token", .string, doc: "or: the token itself (discouraged: warned about)"),
        Setting("transport", .oneOf(["auto", "stream", "poll"]), default: .string("auto"),
                doc: "auto (stream if the preset has one, else poll) | stream | poll"),
        Setting("poll_interval", .duration(min: .seconds(1)), default: .string("60s"),
                doc: "how often to poll (and catch up while streaming); under 15s against a remote host is warned about"),
        Setting("types", .strings(allowed: []), default: .array([]), doc: "only these item types (empty: all)"),
        Setting("exclude_types", .strings(allowed: []), default: .array([]), doc: "never these item types"),
        Setting("urgency", .stringMap(values: urgencyNames), default: .table([:]),
                doc: "item type → low | normal | critical, e.g. { execution_failed = \"critical\" }"),
        Setting("query", .stringMap(values: []), default: .table([:]),
                doc: "extra query parameters for every read request, e.g. { dataset_id = \"…\" }; an array repeats the key, e.g. { \"exclude_types[]\" = [\"follow\", \"favourite\"] }"),
        Setting("icon", .string, doc: "icon name or absolute path for this source's popups"),
        Setting("app_name", .string,
                doc: "the application name of this source's popups (servers that group by application group by it); default: the source's name"),
        Setting("ca_file", .string, doc: "PEM bundle of a private CA (TLS verification is always on)"),
        Setting("allow_insecure_http", .bool, default: .bool(false), doc: "allow plain http:// to a non-loopback host"),
        Setting("enabled", .bool, default: .bool(true), doc: "false keeps the source in the file but does not follow it"),
        Setting("profile", .table, doc: "overrides of the preset's profile (docs/profiles.md); the whole profile for preset = \"custom\""),
    ])

    public static let sections = [agent, desktop, source]
}
