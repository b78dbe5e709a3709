import Foundation
import Testing
@testable import BelfryCore

@Suite struct ConfigLoaderTests {
    static let minimal = """
        [[source]]
        name = "work"
        preset = "jaot"
        base_url = "https://api.jaot.io"
        token_file = "~/.config/belfry/work.token"
        """

    @Test func minimalSourceGetsEveryDefault() throws {
        let c = try config(Self.minimal)
        #expect(c.agent.logLevel == "info")
        #expect(c.desktop.burstLimit == 5)
        #expect(c.desktop.burstWindow == .seconds(10))
        #expect(c.desktop.firstRun == .summary)
        #expect(c.desktop.maxAge == .seconds(86400))
        #expect(c.desktop.markReadOn == ["open", "mark-read"])
        let s = try #require(c.sources.first)
        #expect(s.webURL == "https://api.jaot.io")
        #expect(s.pollInterval == .seconds(60))
        #expect(s.transport == .auto)
        #expect(s.token == .file("~/.config/belfry/work.token"))
        #expect(s.profile.list.path == "/api/v2/notifications")
        #expect(c.warnings.isEmpty)
    }

    @Test func unknownKeyNamesFileLineKeyAndWhatIsAllowed() {
        let errors = configErrors("""
            [desktop]
            app_name = "x"
            burst_limt = 3
            """)
        #expect(errors.count == 1)
        let e = errors[0]
        #expect(e.line == 3)
        #expect(e.key == "desktop.burst_limt")
        #expect(e.description.hasPrefix("test.toml:3: desktop.burst_limt: unknown key"))
        #expect(e.message.contains("burst_limit"))
    }

    @Test func wrongTypeAndBadValues() {
        let errors = configErrors("""
            [agent]
            log_level = "loud"
            [desktop]
            burst_limit = "5"
            burst_window = "10 seconds"
            first_run = "flood"
            actions = ["open", "dance"]
            """)
        let byKey = Dictionary(errors.map { ($0.key ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byKey["agent.log_level"]?.message.contains("\"info\"") == true)
        #expect(byKey["agent.log_level"]?.line == 2)
        #expect(byKey["desktop.burst_limit"]?.message == "is a string, expected an integer from 1 to 1000")
        #expect(byKey["desktop.burst_window"]?.message.contains("not a duration") == true)
        #expect(byKey["desktop.burst_window"]?.line == 5)
        #expect(byKey["desktop.first_run"] != nil)
        #expect(byKey["desktop.actions"]?.message.contains("dance") == true)
        #expect(errors.count == 5)
    }

    @Test func syntaxErrorsCarryTheParsersLine() {
        let errors = configErrors("[agent]\nlog_level = \"info\n")
        #expect(errors.count == 1)
        #expect(errors[0].line == 2)
        #expect(errors[0].message.contains("syntax"))
    }

    @Test func duplicateSourceNamesAndBadNames() {
        let errors = configErrors(Self.minimal + "\n" + Self.minimal.replacingOccurrences(of: "api.jaot.io", with: "b.example") + """

            [[source]]
            name = "Bad Name"
            preset = "jaot"
            base_url = "https://x.example"
            token = "t"
            """)
        #expect(errors.contains { $0.key == "source[1].name" && $0.message.contains("already the name of source[0]") && $0.line == 7 })
        #expect(errors.contains { $0.key == "source[2].name" && $0.message.contains("a-z") })
    }

    @Test func tokensAndTransportRules() {
        let errors = configErrors("""
            [[source]]
            name = "a"
            preset = "jaot"
            base_url = "https://a.example"
            [[source]]
            name = "b"
            preset = "jaot"
            base_url = "https://b.example"
            token = "x"
            token_env = "B"
            [[source]]
            name = "c"
            preset = "jaot"
            base_url = "https://c.example"
            token_env = "C"
            transport = "stream"
            """)
        #expect(errors.contains { $0.key == "source[0].token_file" && $0.message.contains("needs a token") })
        #expect(errors.contains { $0.key == "source[1].token" && $0.message.contains("only one") })
        #expect(errors.contains { $0.key == "source[2].transport" && $0.message.contains("no [profile.stream]") })
    }

    @Test func plainHTTPOnlyToLoopbackUnlessAllowed() throws {
        let errors = configErrors(Self.minimal.replacingOccurrences(of: "https://api.jaot.io", with: "http://api.jaot.io"))
        #expect(errors.first?.message.contains("plain http") == true)
        _ = try config(Self.minimal.replacingOccurrences(of: "https://api.jaot.io", with: "http://127.0.0.1:8080"))
        _ = try config(Self.minimal.replacingOccurrences(of: "https://api.jaot.io", with: "http://api.jaot.io") + "\nallow_insecure_http = true")
    }

    @Test func inlineTokenAndShortRemotePollAreWarned() throws {
        let c = try config("""
            [[source]]
            name = "w"
            preset = "bytespike"
            base_url = "https://llm.bytespike.ai"
            token = "secret-value"
            poll_interval = "5s"
            """)
        #expect(c.warnings.count == 2)
        #expect(!c.warnings.joined().contains("secret-value"))
    }

    @Test func sourceOptionsAreRead() throws {
        let c = try config(Self.minimal + """

            poll_interval = "90s"
            types = ["execution_failed"]
            exclude_types = ["system"]
            urgency = { execution_failed = "critical" }
            query = { dataset_id = "ds1", limit = 5 }
            token_command = "secret-tool lookup belfry work"
            """.replacingOccurrences(of: "token_command", with: "icon = \"x\"\n#"))
        let s = c.sources[0]
        #expect(s.pollInterval == .seconds(90))
        #expect(s.types == ["execution_failed"])
        #expect(s.urgency == ["execution_failed": .critical])
        #expect(s.query == ["dataset_id": "ds1", "limit": "5"])
        #expect(s.icon == "x")
    }

    @Test func urgencyValuesAreChecked() {
        let errors = configErrors(Self.minimal + "\nurgency = { system = \"loud\" }")
        #expect(errors.first?.key == "source[0].urgency.system")
    }

    @Test func tokenCommandAcceptsStringOrArray() throws {
        let a = try config(Self.minimal.replacingOccurrences(of: "token_file = \"~/.config/belfry/work.token\"", with: "token_command = \"secret-tool lookup belfry work\""))
        #expect(a.sources[0].token == .command(["secret-tool", "lookup", "belfry", "work"]))
        let b = try config(Self.minimal.replacingOccurrences(of: "token_file = \"~/.config/belfry/work.token\"", with: "token_command = [\"pass\", \"show\", \"my token\"]"))
        #expect(b.sources[0].token == .command(["pass", "show", "my token"]))
    }

    @Test func tokenDescriptionNeverShowsTheToken() {
        #expect(!TokenSource.inline("hunter2").description.contains("hunter2"))
    }

    @Test func exampleFileIsGeneratedFromTheSchemaAndValid() throws {
        let generated = ExampleConfig.render()
        _ = try config(generated)
        let here = URL(fileURLWithPath: #filePath)
        let file = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config.example.toml")
        let committed = try String(contentsOf: file, encoding: .utf8)
        #expect(committed == generated, "config.example.toml is stale: run `swift run belfry config-example > config.example.toml`")
    }

    @Test func unknownSectionAndSourceNotAnArray() {
        let errors = configErrors("[sources]\nx = 1\n[source]\nname = \"a\"")
        #expect(errors.contains { $0.key == "sources" && $0.line == 1 })
        #expect(errors.contains { $0.key == "source" && $0.message.contains("[[source]]") })
    }

    /// toml++ asserts (and aborts the process) on these; they must be plain errors with a line.
    @Test(arguments: ["[[!source]]\nname = \"a\"\n", "[agent]\n[a.!b]\n", "[agent]\nlog_level = \"info\u{0}\"\n", "[desktop]\näpp = 1\n", "[agent]\nx.!y = 1\n"])
    func malformedKeysAreErrorsNotCrashes(text: String) {
        let errors = configErrors(text)
        #expect(errors.count == 1)
        #expect(errors.first?.line != nil)
        #expect(errors.first?.message.hasPrefix("TOML syntax error") == true)
    }

    /// Inline-table mistakes toml++ refuses by itself (a bounded fuzz found none of them aborting):
    /// each is one clean error naming its line.
    @Test(arguments: [
        ("[[source]]\nurgency = { a = \"low\", a = \"critical\" }\n", 2),   // a key twice
        ("[agent]\nx = { a.b = 1, a.b = 2 }\n", 2),                            // a dotted key twice
        ("[agent]\nx = { a.b = 1, a = 2 }\n", 2),                              // a table, then a value
        ("[agent]\nx = { a = 1, a.b = 2 }\n", 2),                              // a value, then a table
        ("[agent]\nx = { !a = 1 }\n", 2),                                      // a key that cannot start a key
        ("[[source]]\nurgency = { a = \"low\" }\n[source.urgency]\n", 3),      // redefined by a [table]
        ("[[source]]\nurgency = { a = \"low\" }\n[source.urgency.b]\n", 3),    // extended by a [table]
        ("[[source]]\nurgency = { a = \"low\" }\nurgency.b = \"high\"\n", 3),  // extended by a dotted key
        ("query = {}\n[[query]]\n", 2),                                        // redefined as an array of tables
        ("[agent]\nx = [{ a = 1, a = 2 }]\n", 2),                              // inside an array
    ])
    func inlineTableMistakesAreCleanErrorsNamingTheLine(text: String, line: Int) {
        let errors = configErrors(text)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.line == line, "\(errors)")
        #expect(errors.first?.message.hasPrefix("TOML syntax error") == true, "\(errors)")
    }

    /// toml++ asserts (and aborts the process) on these (found by the fuzz of inline tables and arrays):
    /// TOMLPrecheck refuses them first, naming the line and what is wrong.
    @Test(arguments: [
        ("[agent]\nx = [1, }]\n", 2, "where the array expects a value"),
        ("[agent]\nx = [}\n", 2, "where the array expects a value"),
        ("[agent]\nx = { a = [ } }\n", 2, "where the array expects a value"),
        ("[agent]\nx = [\n  1,\n  # a comment\n  }\n", 5, "where the array expects a value"),
        ("[agent]\nx = [[}]]\n", 2, "where the array expects a value"),
        ("[agent]\n[\nname = 1\n", 2, "needs a name on the same line"),
        ("[agent]\nlog_level = \"info\"\n[[ \n", 3, "not a line break"),
        ("[agent]\n[", 2, "not the end of the text"),
        ("[[[source]]]\n", 1, "not \"[\""),
        ("[agent]\nx = [\u{2028}]\n", 2, "U+2028"),
        ("[agent]\nx = [1,\u{85}]\n", 2, "U+85"),
        ("[agent]\r\nlog_level = \"info\"\r\n[[!source]]\r\n", 3, "not \"!\""),   // CRLF line ends count
    ])
    func constructsThatAbortTOMLAreRefusedFirst(text: String, line: Int, says: String) {
        let errors = configErrors(text)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.line == line, "\(errors)")
        #expect(errors.first?.message.hasPrefix("TOML syntax error") == true, "\(errors)")
        #expect(errors.first?.message.contains(says) == true, "\(errors)")
    }

    /// The precheck follows strings, comments and CRLF line ends: valid text that merely looks like
    /// the refused constructs still parses.
    @Test func validTextLikeTheRefusedConstructsStillParses() throws {
        let crlf = Self.minimal.replacingOccurrences(of: "\n", with: "\r\n") + "\r\nurgency = { a = \"low\" }\r\n"
        #expect(try config(crlf).sources[0].urgency == ["a": .low], "a CRLF config is accepted")
        let node = try ConfigNode.parse(toml: """
            a = \"\"\"
            [!not a header]
            [
            \"\"\"
            b = ["}", '[', "\\"}", { c = "]" }, ]
            c = [ # \u{2028} in a comment
              1,
            ]
            d = "\u{2028}"
            """, file: "test.toml")
        #expect(node.table?["a"] == .string("[!not a header]\n[\n"))
        #expect(node.table?["b"].map { if case .array(let a) = $0 { a.count } else { 0 } } == 4)
        #expect(node.table?["d"] == .string("\u{2028}"))
    }

    @Test func quotedAndDottedKeysStillParse() throws {
        let c = try config("[[source]]\nname = \"q\"\npreset = \"jaot\"\nbase_url = \"https://x.example\"\ntoken = \"t\"\nurgency = { \"execution_failed\" = \"critical\" }\n[source.profile.fields]\n\"body\" = \"data.summary\"\n")
        #expect(c.sources[0].profile.fields.body == ["data.summary"])
        #expect(c.sources[0].urgency == ["execution_failed": .critical])
    }
}
