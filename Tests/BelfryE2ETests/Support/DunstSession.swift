import BelfryCore
import BelfryTestSupport
import Foundation
import Glibc

/// A real notification server for one test: Xvfb on a free display, a private session bus, and dunst
/// (with its own config, `-print` logging every notification it takes) on both. Driven with dunstctl.
final class DunstSession: @unchecked Sendable {
    let dir: String
    let bus: PrivateBus
    let display: Int
    private let xvfb: ChildProcess
    private var dunst: ChildProcess?

    /// What dunst printed for one notification it took (`dunst -print`).
    struct Printed: Equatable {
        var fields: [String: String]
        var id: Int? { fields["id"].flatMap { Int($0) } }
        var summary: String? { fields["summary"] }
        var body: String? { fields["body"] }
    }

    /// Fails with a message naming the missing program when Xvfb, dunst or dunstctl are not installed.
    static func start() async throws -> DunstSession {
        for program in ["Xvfb", "xdpyinfo", "dunst", "dunstctl", "dbus-send"] where ChildProcess.which(program) == nil {
            throw E2EError.missing(program)
        }
        let dir = NSTemporaryDirectory() + "belfry-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let (display, xvfb) = try await startXvfb(dir: dir)
        let bus: PrivateBus
        do {
            bus = try PrivateBus()
        } catch {
            await xvfb.stop()
            throw error
        }
        let session = DunstSession(dir: dir, bus: bus, display: display, xvfb: xvfb)
        do {
            try await session.startDunst()
        } catch {
            await session.close()
            throw error
        }
        return session
    }

    private init(dir: String, bus: PrivateBus, display: Int, xvfb: ChildProcess) {
        self.dir = dir
        self.bus = bus
        self.display = display
        self.xvfb = xvfb
    }

    /// DISPLAY and the private bus, for dunst, dunstctl and import.
    var environment: [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "HOME": dir, "XDG_CONFIG_HOME": dir + "/config", "XDG_RUNTIME_DIR": dir,
            "DISPLAY": ":\(display)", "DBUS_SESSION_BUS_ADDRESS": bus.address,
        ]
    }

    /// Tries displays from :91 up until an Xvfb takes one (another test or engineer may hold some).
    private static func startXvfb(dir: String) async throws -> (Int, ChildProcess) {
        var lastLog = ""
        for n in 91..<160 where !isHeld(display: n) {
            let log = dir + "/xvfb-\(n).log"
            let x = try ChildProcess("Xvfb", [":\(n)", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                     environment: ProcessInfo.processInfo.environment, logPath: log)
            // Up when a client can connect; an early exit means the display was taken meanwhile.
            let end = ContinuousClock.now + .seconds(10)
            while x.isRunning, ContinuousClock.now < end {
                if (try? await ChildProcess.run("xdpyinfo", ["-display", ":\(n)"], environment: [:], timeout: .seconds(5)))?.status == 0 {
                    return (n, x)
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            lastLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            await x.stop()
        }
        throw E2EError.failed("Xvfb did not start on any free display; its last log:\n\(lastLog)")
    }

    /// Whether a live X server holds display `n`. A lock file whose pid is gone is stale (an Xvfb
    /// killed by SIGKILL leaves it): Xvfb itself takes such a display over, so it counts as free.
    /// Skipping every display with a lock file let stale ones pile up until none was left.
    static func isHeld(display n: Int) -> Bool {
        guard let text = try? String(contentsOfFile: "/tmp/.X\(n)-lock", encoding: .utf8) else {
            return FileManager.default.fileExists(atPath: "/tmp/.X\(n)-lock")
                || FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(n)")
        }
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return true }
        return kill(pid, 0) == 0 || errno != ESRCH
    }

    private func startDunst() async throws {
        let config = dir + "/dunstrc"
        try Self.dunstrc.write(toFile: config, atomically: true, encoding: .utf8)
        dunst = try ChildProcess("dunst", ["-config", config, "-print"], environment: environment, logPath: dir + "/dunst.log")
        let end = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < end {
            guard dunst?.isRunning == true else { break }
            if (try? await ChildProcess.run("dunstctl", ["count", "displayed"], environment: environment))?.status == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw E2EError.failed("dunst did not take org.freedesktop.Notifications within 10 s; its log:\n\(log)")
    }

    func close() async {
        await dunst?.stop()
        bus.stop()
        await xvfb.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: dunstctl

    func dunstctl(_ arguments: String...) async throws -> String {
        let (status, output) = try await ChildProcess.run("dunstctl", arguments, environment: environment)
        guard status == 0 else { throw E2EError.failed("dunstctl \(arguments.joined(separator: " ")) exited with \(status): \(output)") }
        return output
    }

    /// `dunstctl count displayed`.
    func displayedCount() async throws -> Int {
        let text = try await dunstctl("count", "displayed").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let n = Int(text) else { throw E2EError.failed("dunstctl count displayed said \"\(text)\"") }
        return n
    }

    /// Summaries of the notifications in `dunstctl history` (closed ones), newest first.
    func historySummaries() async throws -> [String] {
        let json = try JSONValue.parse(try await dunstctl("history"))
        let entries = json["data"]?.array?.first?.array ?? []
        return entries.compactMap { $0[path: "summary.data"]?.string }
    }

    /// Everything dunst took so far, in order (replacements included: they keep their id).
    var printed: [Printed] {
        var out: [Printed] = []
        var current: [String: String]?
        var nested: String?   // a field printed as a block ("actions: {" … "}"): its lines joined
        for line in log.split(separator: "\n", omittingEmptySubsequences: false) {
            if let key = nested {
                if line == "\t}" { nested = nil } else { current?[key, default: ""] += line.trimmingCharacters(in: .whitespaces) + "\n" }
                continue
            }
            if line == "{" { current = [:]; continue }
            if line == "}" {
                if let c = current { out.append(Printed(fields: c)) }
                current = nil
                continue
            }
            guard current != nil, line.hasPrefix("\t"), let colon = line.firstIndex(of: ":") else { continue }
            if line.hasSuffix(": {") {
                nested = String(line[line.index(after: line.startIndex)..<colon])
                continue
            }
            let key = line[line.index(after: line.startIndex)..<colon]
            var value = line[line.index(after: colon)...].dropFirst()
            if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 { value = value.dropFirst().dropLast() }
            current?[String(key)] = String(value)
        }
        return out
    }

    var log: String { (try? String(contentsOfFile: dir + "/dunst.log", encoding: .utf8)) ?? "" }

    /// Saves the top-right corner of the screen (where the popups are) as a PNG; needs ImageMagick's `import`.
    func screenshot(to path: String, width: Int = 470, height: Int = 110) async throws {
        let (status, output) = try await ChildProcess.run(
            "import", ["-window", "root", "-crop", "\(width)x\(height)+\(1280 - width)+0", "+repage", "-strip", path],
            environment: environment, timeout: .seconds(20))
        guard status == 0 else { throw E2EError.failed("import exited with \(status): \(output)") }
    }

    /// Popups never expire here (timeout 0), so a slow test run cannot lose one; -print logs each.
    static let dunstrc = """
        [global]
            monitor = 0
            follow = none
            width = 420
            height = 300
            origin = top-right
            offset = 20x20
            notification_limit = 0
            indicate_hidden = yes
            separator_height = 2
            padding = 10
            horizontal_padding = 12
            frame_width = 2
            frame_color = "#89b4fa"
            separator_color = frame
            sort = yes
            font = DejaVu Sans 10
            line_height = 2
            markup = full
            format = "<b>%s</b>\\n%b"
            alignment = left
            word_wrap = yes
            show_indicators = no
            icon_position = off
            sticky_history = yes
            history_length = 20
            corner_radius = 6
            mouse_left_click = do_action, close_current
            mouse_middle_click = close_current
            mouse_right_click = close_all
        [urgency_low]
            background = "#1e1e2e"
            foreground = "#cdd6f4"
            timeout = 0
        [urgency_normal]
            background = "#1e1e2e"
            foreground = "#cdd6f4"
            timeout = 0
        [urgency_critical]
            background = "#1e1e2e"
            foreground = "#cdd6f4"
            frame_color = "#f38ba8"
            timeout = 0

        """
}
