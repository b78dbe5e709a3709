import FoundationEssentials

public enum ConfigLoader {
    /// `$XDG_CONFIG_HOME/belfry/config.toml`, else `~/.config/belfry/config.toml`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let x = environment["XDG_CONFIG_HOME"], x.hasPrefix("/") { return x + "/belfry/config.toml" }
        return (environment["HOME"] ?? "") + "/.config/belfry/config.toml"
    }

    /// Reads and validates the file at `path`.
    public static func load(path: String) throws(ConfigErrors) -> BelfryConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ConfigErrors([ConfigError(file: path, line: nil, key: nil, message: exists
                ? "cannot read the file (check its permissions)"
                : "no such file (copy config.example.toml there, or pass --config PATH)")])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigErrors([ConfigError(file: path, line: nil, key: nil, message: "is not UTF-8 text")])
        }
        var config = try parse(text, file: path)
        // The config may hold a token (or say where one is): as for token files, other users should not read it.
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            config.warnings.append("\(path) can be read by other users (mode \(String(mode & 0o777, radix: 8))); chmod 600 it")
        }
        return config
    }

    /// Validates config text; every problem is reported, not just the first.
    public static func parse(_ text: String, file: String) throws(ConfigErrors) -> BelfryConfig {
        let root: ConfigNode
        do { root = try ConfigNode.parse(toml: text, file: file) } catch { throw ConfigErrors([error]) }
        let reader = ConfigReader(file: file, text: text)
        let top = root.table ?? [:]
        for key in top.keys.sorted() where !ConfigSchema.sections.contains(where: { $0.name == key }) {
            reader.fail("unknown section (allowed: [agent], [desktop], [[source]])", key: key, lineKey: key)
        }
        func section(_ s: ConfigSection) -> ConfigReader.Table {
            var values: [String: ConfigNode] = [:]
            if let node = top[s.name] {
                if case .table(let t) = node { values = t } else {
                    reader.fail("is \(node.typeName), expected a table [\(s.name)]", key: s.name, lineKey: s.name)
                }
            }
            let t = ConfigReader.Table(reader: reader, section: s, values: values, label: s.name, header: [s.name], index: nil)
            t.checkKeys()
            return t
        }
        let a = section(ConfigSchema.agent)
        let agent = AgentSettings(logLevel: a.string("log_level") ?? "info", stateFile: a.string("state_file") ?? "",
                                  controlSocket: a.string("control_socket") ?? "", maxSeen: a.int("max_seen") ?? 20000)
        let d = section(ConfigSchema.desktop)
        let desktop = DesktopSettings(
            appName: d.string("app_name") ?? "Belfry", icon: d.string("icon") ?? "", desktopEntry: d.string("desktop_entry") ?? "belfry",
            expireTimeout: Int32(d.int("expire_timeout") ?? -1), actions: d.strings("actions") ?? [],
            markReadOn: Set(d.strings("mark_read_on") ?? []), burstLimit: d.int("burst_limit") ?? 5,
            burstWindow: d.duration("burst_window") ?? .seconds(10),
            firstRun: FirstRunPolicy(rawValue: d.string("first_run") ?? "summary") ?? .summary,
            maxAge: d.duration("max_age") ?? .seconds(86400), opener: d.command("opener") ?? ["xdg-open"],
            quietHours: quietHours(d))

        var warnings: [String] = []
        var sources: [SourceConfig] = []
        var names: [String: Int] = [:]
        var rawSources: [ConfigNode] = []
        if let node = top["source"] {
            if case .array(let a) = node { rawSources = a } else {
                reader.fail("is \(node.typeName); write each source as a [[source]] table", key: "source", lineKey: "source")
            }
        }
        for (i, node) in rawSources.enumerated() {
            guard case .table(let values) = node else {
                reader.fail("is \(node.typeName), expected a table", key: "source[\(i)]", lineKey: nil)
                continue
            }
            let s = ConfigReader.Table(reader: reader, section: ConfigSchema.source, values: values,
                                       label: "source[\(i)]", header: ["source"], index: i)
            s.checkKeys()
            if let src = source(s, index: i, reader: reader, names: &names, warnings: &warnings) { sources.append(src) }
        }
        if rawSources.isEmpty {
            warnings.append("no [[source]] is configured: the agent will run but follow nothing")
        }
        if !reader.errors.isEmpty { throw ConfigErrors(reader.errors) }
        return BelfryConfig(file: file, agent: agent, desktop: desktop, sources: sources, warnings: warnings)
    }

    private static func source(_ s: ConfigReader.Table, index i: Int, reader: ConfigReader, names: inout [String: Int],
                               warnings: inout [String]) -> SourceConfig? {
        let before = reader.errors.count
        let name = s.string("name") ?? ""
        let label = name.isEmpty ? "source[\(i)]" : "source \"\(name)\""
        if !name.isEmpty {
            if !name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) {
                s.fail("name", "\"\(name)\" may hold only a-z, 0-9 and -")
            }
            if let first = names[name] {
                s.fail("name", "\"\(name)\" is already the name of source[\(first)]; names must be unique")
            } else {
                names[name] = i
            }
        }
        let preset = s.string("preset") ?? ""
        var overrides = s.table("profile")
        if preset == "custom", overrides == nil {
            s.fail("profile", "preset = \"custom\" needs a [source.profile] table (see docs/profiles.md)")
            overrides = nil
        }
        let profile = preset.isEmpty ? nil
            : ProfileDecoder.resolve(preset: preset, overrides: overrides, reader: reader, label: "source[\(i)]", sourceIndex: i)

        var base = s.string("base_url") ?? ""
        if base.isEmpty, let d = profile?.defaultBaseURL { base = d }
        if base.isEmpty, profile != nil { s.fail("base_url", "missing: \(label) needs the API root, e.g. \"https://api.example.com\"") }
        while base.hasSuffix("/") { base.removeLast() }
        let allowInsecure = s.bool("allow_insecure_http") ?? false
        if !base.isEmpty { checkURL(base, key: "base_url", s, allowInsecure: allowInsecure) }
        var web = s.string("web_url") ?? ""
        if web.isEmpty { web = base } else { checkURL(web, key: "web_url", s, allowInsecure: true) }

        var tokens: [TokenSource] = []
        if let p = s.string("token_file") { tokens.append(.file(p)) }
        if let c = s.command("token_command") { tokens.append(.command(c)) }
        if let e = s.string("token_env") { tokens.append(.env(e)) }
        if let c = s.string("token_credential") { tokens.append(.credential(c)) }
        if let t = s.string("token") {
            tokens.append(.inline(t))
            warnings.append("\(label): the token is written in the config file; prefer token_file, token_command or token_credential")
        }
        if tokens.count > 1 {
            s.fail("token", "set only one of token_file, token_command, token_env, token_credential, token")
        }
        if tokens.isEmpty, preset != "taskrunner", preset != "custom", !preset.isEmpty {
            s.fail("token_file", "missing: \(label) needs a token (token_file, token_command, token_env, token_credential or token)")
        }

        let transport = Transport(rawValue: s.string("transport") ?? "auto") ?? .auto
        if transport == .stream, let profile, profile.stream == nil {
            s.fail("transport", "\"stream\" but the \(preset) profile has no [profile.stream]; use \"auto\" or \"poll\"")
        }
        let interval = s.duration("poll_interval") ?? .seconds(60)
        if interval < .seconds(15), !isLoopback(base) {
            warnings.append("\(label): poll_interval \(DurationText.format(interval)) against a remote host may hit its rate limits")
        }
        var urgency: [String: Urgency] = [:]
        for (k, v) in s.stringMap("urgency") ?? [:] { if let u = Urgency(name: v) { urgency[k] = u } }

        let query = s.query("query") ?? ([:], [:])
        if let profile { checkStreamURL(profile, s, allowInsecure: allowInsecure) }
        guard reader.errors.count == before, let profile else { return nil }
        return SourceConfig(
            name: name, preset: preset, baseURL: base, webURL: web, token: tokens.first, transport: transport,
            pollInterval: interval, types: s.strings("types") ?? [], excludeTypes: s.strings("exclude_types") ?? [],
            urgency: urgency, query: query.single, repeatedQuery: query.repeated, icon: s.string("icon"), appName: s.string("app_name"), caFile: s.string("ca_file"),
            allowInsecureHTTP: allowInsecure, enabled: s.bool("enabled") ?? true, profile: profile)
    }

    private static func quietHours(_ d: ConfigReader.Table) -> QuietHours? {
        guard let text = d.string("quiet_hours"), !text.isEmpty else { return nil }
        do { return try QuietHours.parse(text) } catch {
            d.fail("quiet_hours", error.description)
            return nil
        }
    }

    private static func checkURL(_ url: String, key: String, _ s: ConfigReader.Table, allowInsecure: Bool) {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), u.host != nil,
              scheme == "http" || scheme == "https" else {
            s.fail(key, "\"\(url)\" is not an http:// or https:// URL")
            return
        }
        if scheme == "http", !allowInsecure, !isLoopback(url) {
            s.fail(key, "\"\(url)\" is plain http to a remote host: tokens would travel unencrypted (use https, or set allow_insecure_http = true)")
        }
    }

    /// `stream.url` gets base_url's check: the token goes there too.
    private static func checkStreamURL(_ profile: ProviderProfile, _ s: ConfigReader.Table, allowInsecure: Bool) {
        guard let url = profile.stream?.endpoint.url, HTTPOrigin(url: url) != nil else { return }
        if url.lowercased().hasPrefix("http:"), !allowInsecure, !isLoopback(url) {
            s.fail("profile", "stream.url \"\(url)\" is plain http to a remote host: tokens would travel unencrypted (use https, or set allow_insecure_http = true)")
        }
    }

    /// True for http(s) URLs whose host is localhost, 127.0.0.0/8 or ::1.
    public static func isLoopback(_ url: String) -> Bool {
        guard let host = URL(string: url)?.host?.lowercased() else { return false }
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }
}
