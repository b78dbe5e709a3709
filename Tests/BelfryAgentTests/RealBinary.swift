import Foundation
import Glibc
import Testing

/// The built `belfry` executable, run as systemd runs it (tests that need a real process: kill -9,
/// signals, sd_notify). `swift build --build-tests` builds it next to the test bundle.
final class RealBinary: @unchecked Sendable {
    static var path: String? {
        for dir in [".build/debug", ".build/x86_64-unknown-linux-gnu/debug", ".build/aarch64-unknown-linux-gnu/debug"] {
            let p = packageRoot + "/" + dir + "/belfry"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    let process = Process()
    let output: String

    /// Starts `belfry ARGS…`; stdout and stderr go to `output` (a file).
    init(_ arguments: [String], environment: [String: String], output: String) throws {
        let path = try #require(Self.path, "build the belfry executable first (swift build --build-tests)")
        self.output = output
        FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var text: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits (bounded) for the process to end; kills it if it does not.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(10)) async -> Int32? {
        let end = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Runs `belfry ARGS…` to completion (bounded) and returns its exit status and output.
    static func run(_ arguments: [String], environment: [String: String], output: String) async throws -> (Int32?, String) {
        let b = try RealBinary(arguments, environment: environment, output: output)
        let status = await b.waitForExit(timeout: .seconds(30))
        return (status, b.text)
    }
}
