import Foundation
import Glibc

/// A helper program started for one test (Xvfb, dunst, dunstctl, import). Every wait is bounded and
/// `stop()` ends exactly this process by its pid (SIGTERM, then SIGKILL), never by name.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let process: Process

    /// Starts `executable` (looked up on PATH) with `arguments`; stdout and stderr go to `logPath`
    /// (or /dev/null), unless `stdout` is given.
    init(_ executable: String, _ arguments: [String], environment: [String: String], logPath: String? = nil,
         stdout: Pipe? = nil) throws {
        guard let path = Self.which(executable) else { throw E2EError.missing(executable) }
        name = executable
        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let log: FileHandle
        if let logPath {
            FileManager.default.createFile(atPath: logPath, contents: nil)
            log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        } else {
            log = FileHandle.nullDevice
        }
        process.standardOutput = stdout ?? log
        process.standardError = log
        try process.run()
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Waits (bounded) for the process to exit by itself; false on timeout.
    func waitForExit(timeout: Duration) async -> Bool {
        let end = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= end { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// SIGTERM, up to 3 s for the exit, then SIGKILL. Safe to call twice.
    func stop() async {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        if await waitForExit(timeout: .seconds(3)) { return }
        kill(pid, SIGKILL)
        _ = await waitForExit(timeout: .seconds(3))
    }

    /// Runs a short command to the end (bounded) and returns its exit status and stdout.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    timeout: Duration = .seconds(10)) async throws -> (status: Int32, output: String) {
        let pipe = Pipe()
        let child = try ChildProcess(executable, arguments, environment: environment, stdout: pipe)
        // Read while it runs so a large output cannot fill the pipe and stall the child.
        let reader = Task.detached { pipe.fileHandleForReading.readDataToEndOfFile() }
        guard await child.waitForExit(timeout: timeout) else {
            await child.stop()
            throw E2EError.failed("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        let data = await reader.value
        return (child.process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The absolute path of `name` on PATH, nil when it is not installed.
    static func which(_ name: String) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

struct E2EError: Error, CustomStringConvertible {
    var description: String

    static func missing(_ program: String) -> E2EError {
        E2EError(description: "\(program) is not installed (or not on PATH): the end-to-end test needs Xvfb, dunst and dunstctl; "
                 + "install them with scripts/deps.sh (Debian: apt-get install xvfb dunst)")
    }

    static func failed(_ message: String) -> E2EError { E2EError(description: message) }
}
