import ArgumentParser
import BelfryCore

/// `belfry generate-manual`: prints belfry(1) in roff, built from the command definitions (the same
/// tree `--experimental-dump-help` serialises), so the man page cannot drift from `--help`.
///
/// Why not swift-argument-parser's `generate-manual` plugin: it builds every product of the package
/// (the emulator and its Hummingbird graph too) in release mode before it runs, so `make install`
/// would take many minutes and break whenever any other product does; the tool itself is not a
/// product we can build alone. This renders the same data in-process.
struct GenerateManual: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-manual", abstract: "Print the belfry(1) man page (roff).", shouldDisplay: false)

    func run() throws {
        print(try Self.page(), terminator: "")
    }

    static func page() throws -> String {
        let tree: JSONValue
        do {
            _ = try Belfry.parseAsRoot(["--experimental-dump-help"])
            throw ExitCode.failure
        } catch let e as ExitCode {
            throw e
        } catch {
            tree = try JSONValue.parse(Belfry.fullMessage(for: error))
        }
        guard let root = tree["command"] else { throw ExitCode.failure }
        return render(root)
    }

    static func render(_ root: JSONValue) -> String {
        let name = root["commandName"]?.string ?? "belfry"
        var out = [
            ".TH \(name.uppercased()) 1 \"\" \"\(name) \(BelfryVersion.string)\" \"User Commands\"",
            ".SH NAME", "\(name) \\- \(escape(root["abstract"]?.string ?? ""))",
            ".SH SYNOPSIS",
            ".B \(name)", ".I command", "[\\fIoptions\\fR]", ".br",
            ".B \(name)", "[\\-\\-version] [\\-\\-help]",
            ".SH DESCRIPTION", paragraphs(root["discussion"]?.string ?? ""),
            ".SH COMMANDS",
        ]
        for sub in root["subcommands"]?.array ?? [] where sub["shouldDisplay"] != false {
            out.append(".TP")
            out.append(".B \(name) \(sub["commandName"]?.string ?? "")" + synopsis(sub))
            out.append(escape(sub["abstract"]?.string ?? ""))
            if let d = sub["discussion"]?.string, !d.isEmpty { out.append(".IP"); out.append(paragraphs(d)) }
            let args = (sub["arguments"]?.array ?? []).filter { $0["shouldDisplay"] != false && !isStandard($0) }
            if !args.isEmpty {
                out.append(".RS")
                for a in args {
                    out.append(".TP")
                    out.append(label(a))
                    out.append(escape(a["abstract"]?.string ?? ""))
                }
                out.append(".RE")
            }
        }
        out += [
            ".SH EXIT STATUS",
            ".TP", ".B 0", "success",
            ".TP", ".B 1", "runtime failure",
            ".TP", ".B 2", "usage or config error (also params the agent refused: an unknown source or item)",
            ".TP", ".B 3", "the agent is not running (client commands); start it with \\fBsystemctl \\-\\-user start belfry\\fR or \\fBbelfry run\\fR",
            ".SH FILES",
            ".TP", ".I $XDG_CONFIG_HOME/belfry/config.toml", "the config (default \\fI~/.config/belfry/config.toml\\fR; see \\fBbelfry config\\-example\\fR)",
            ".TP", ".I $XDG_STATE_HOME/belfry/state.json", "seen items, cursors and pending mark\\-read actions",
            ".TP", ".I $XDG_RUNTIME_DIR/belfry/control.sock", "the control socket (JSON\\-RPC 2.0, one object per line; owner only)",
            ".SH EXAMPLES",
            ".nf", "belfry count", "belfry list \\-\\-json", "belfry read \\-\\-all \\-\\-source work", "belfry pause 1h",
            "belfry watch \\-\\-waybar", ".fi",
            ".SH SEE ALSO",
            "The control protocol and the \\fB\\-\\-json\\fR schemas: \\fIdocs/control.md\\fR; the config: \\fIconfig.example.toml\\fR.",
        ]
        return out.joined(separator: "\n") + "\n"
    }

    /// `--help`, `--version`: listed once at the top, not under every verb.
    static func isStandard(_ a: JSONValue) -> Bool {
        let n = a["preferredName"]?["name"]?.string
        return a["kind"] == "flag" && (n == "help" || n == "version")
    }

    static func synopsis(_ sub: JSONValue) -> String {
        (sub["arguments"]?.array ?? []).filter { $0["shouldDisplay"] != false && !isStandard($0) }.map { a in
            let l = label(a)
            return a["isOptional"] == true ? " [\(l)]" : " \(l)"
        }.joined()
    }

    static func label(_ a: JSONValue) -> String {
        let value = a["valueName"]?.string ?? "value"
        let repeating = a["isRepeating"] == true ? "\\&..." : ""
        switch a["kind"]?.string {
        case "positional":
            return "\\fI\(escape(value))\\fR" + repeating
        case "flag":
            return "\\fB\(names(a))\\fR"
        default:
            return "\\fB\(names(a))\\fR \\fI\(escape(value))\\fR" + repeating
        }
    }

    static func names(_ a: JSONValue) -> String {
        (a["names"]?.array ?? []).compactMap { n -> String? in
            guard let name = n["name"]?.string else { return nil }
            return (n["kind"] == "short" ? "\\-" : "\\-\\-") + escape(name)
        }.joined(separator: ", ")
    }

    static func paragraphs(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .split(whereSeparator: { $0.isEmpty })
            .map { escape($0.joined(separator: " ")) }
            .joined(separator: "\n.PP\n")
    }

    /// Roff-safe text: backslashes and hyphens escaped, no line starting with a control character.
    static func escape(_ text: String) -> String {
        var s = text.replacing("\\", with: "\\e").replacing("-", with: "\\-")
        s = s.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : String(line)
        }.joined(separator: "\n")
        return s
    }
}
