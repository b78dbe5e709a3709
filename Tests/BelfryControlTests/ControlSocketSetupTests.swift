import BelfryCore
import Foundation
import Testing

@testable import BelfryControl

/// Folder and socket creation, stale and live sockets, and the client's "not running".
@Suite struct ControlSocketSetupTests {
    private func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode
    }

    /// Binds a socket at `path` and closes it without unlinking: what a crashed agent leaves.
    private func leaveStaleSocket(at path: String) throws {
        let fd = try makeStreamSocket(nonBlocking: false)
        defer { close(fd) }
        let result = try UnixSocketAddress(path: path).withSockaddr { bind(fd, $0, $1) }
        try #require(result == 0)
    }

    @Test func defaultPathFollowsXDGRuntimeDir() {
        #expect(ControlSocketPath.default(environment: ["XDG_RUNTIME_DIR": "/run/user/1000"]) == "/run/user/1000/belfry/control.sock")
        #expect(ControlSocketPath.default(environment: ["XDG_RUNTIME_DIR": "/run/user/1000/"]) == "/run/user/1000/belfry/control.sock")
        #expect(ControlSocketPath.default(environment: [:]) == nil)
        #expect(ControlSocketPath.default(environment: ["XDG_RUNTIME_DIR": ""]) == nil)
        #expect(ControlSocketPath.default(environment: ["XDG_RUNTIME_DIR": "relative"]) == nil)
    }

    @Test func folderIs0700AndSocket0600() async throws {
        try await withServer { path, _ in
            let folder = ListeningSocket.folder(of: path)
            #expect(mode(folder).map { $0 & 0o7777 } == 0o700)
            #expect(mode(folder).map { $0 & S_IFMT } == S_IFDIR)
            #expect(mode(path).map { $0 & 0o7777 } == 0o600)
            #expect(mode(path).map { $0 & S_IFMT } == S_IFSOCK)
        }
    }

    @Test func looseFolderOfOursIsTightened() async throws {
        try await withServer(prepare: { path in
            let folder = ListeningSocket.folder(of: path)
            try #require(mkdir(folder, 0o755) == 0 && chmod(folder, 0o755) == 0)
        }) { path, _ in
            #expect(mode(ListeningSocket.folder(of: path)).map { $0 & 0o7777 } == 0o700)
        }
    }

    @Test func looseFolderNotNamedBelfryIsRefusedNotChanged() throws {
        let root = makeTemporaryFolder()
        defer { removeFolder(root) }
        try #require(chmod(root, 0o755) == 0)
        let error = #expect(throws: ControlSocketError.self) {
            _ = try ControlServer(configuration: .init(path: root + "/control.sock"), handler: StubHandler(), logger: testLogger())
        }
        #expect(error?.code == .insecurePath)
        #expect(mode(root).map { $0 & 0o7777 } == 0o755)
    }

    @Test func privateFolderOfAnyNameIsAccepted() throws {
        let root = makeTemporaryFolder()  // mkdtemp makes it 0700
        defer { removeFolder(root) }
        _ = try ControlServer(configuration: .init(path: root + "/control.sock"), handler: StubHandler(), logger: testLogger())
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to chown"))
    func folderOfAnotherUidIsRefused() throws {
        let root = makeTemporaryFolder()
        defer { removeFolder(root) }
        let folder = root + "/belfry"
        try #require(mkdir(folder, 0o700) == 0 && chown(folder, 65534, 65534) == 0)
        let error = #expect(throws: ControlSocketError.self) {
            _ = try ControlServer(configuration: .init(path: folder + "/control.sock"), handler: StubHandler(), logger: testLogger())
        }
        #expect(error?.code == .insecurePath)
        #expect(error?.message.contains("uid 65534") == true)
    }

    @Test func sharedFolderIsRefused() throws {
        let root = makeTemporaryFolder()
        defer { removeFolder(root) }
        try #require(chmod(root, 0o1777) == 0)
        let error = #expect(throws: ControlSocketError.self) {
            _ = try ControlServer(configuration: .init(path: root + "/control.sock"), handler: StubHandler(), logger: testLogger())
        }
        #expect(error?.code == .insecurePath)
        #expect(mode(root).map { $0 & 0o7777 } == 0o1777, "left as it was")
    }

    @Test func somethingElseAtThePathIsNeverReplaced() throws {
        let root = makeTemporaryFolder()
        defer { removeFolder(root) }
        let path = root + "/control.sock"
        try #require(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        let error = #expect(throws: ControlSocketError.self) {
            _ = try ControlServer(configuration: .init(path: path), handler: StubHandler(), logger: testLogger())
        }
        #expect(error?.code == .insecurePath)
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test func badPathsAreRefused() {
        for path in ["relative/control.sock", "/tmp/" + String(repeating: "x", count: 120)] {
            let error = #expect(throws: ControlSocketError.self) {
                _ = try ControlServer(configuration: .init(path: path), handler: StubHandler(), logger: testLogger())
            }
            #expect(error?.code == .invalidPath)
        }
    }

    @Test func staleSocketIsReplaced() async throws {
        try await withServer(prepare: { path in
            try #require(mkdir(ListeningSocket.folder(of: path), 0o700) == 0)
            try leaveStaleSocket(at: path)
            let error = #expect(throws: ControlSocketError.self) { _ = try ControlClient(path: path) }
            #expect(error?.code == .notRunning)
        }) { path, _ in
            let answer = try await onThread { try ControlClient(path: path).call("echo", params: [1]) }
            #expect(answer == [1])
        }
    }

    @Test func liveSocketIsNotStolen() async throws {
        try await withServer { path, _ in
            let error = #expect(throws: ControlSocketError.self) {
                _ = try ControlServer(configuration: .init(path: path), handler: StubHandler(), logger: testLogger())
            }
            #expect(error?.code == .alreadyRunning)
            #expect(error?.message == "another belfry agent is already listening on \(path)")
            // The first server still owns the path and answers.
            let answer = try await onThread { try ControlClient(path: path).call("echo", params: [2]) }
            #expect(answer == [2])
        }
    }

    @Test func boundButNotRunningServerIsAlsoLive() throws {
        let root = makeTemporaryFolder()
        defer { removeFolder(root) }
        let path = root + "/control.sock"
        do {
            let first = try ControlServer(configuration: .init(path: path), handler: StubHandler(), logger: testLogger())
            #expect(throws: ControlSocketError(code: .alreadyRunning, message: "another belfry agent is already listening on \(path)")) {
                _ = try ControlServer(configuration: .init(path: path), handler: StubHandler(), logger: testLogger())
            }
            _ = first
        }
        #expect(access(path, F_OK) != 0, "a server released without running removes its socket")
    }

    @Test func clientTellsNotRunning() throws {
        let root = makeTemporaryFolder()
        defer { removeFolder(root) }
        let error = #expect(throws: ControlSocketError.self) { _ = try ControlClient(path: root + "/control.sock") }
        #expect(error?.code == .notRunning)
        #expect(error?.errno == ENOENT)
    }

    @Test func runTwiceIsRefused() async throws {
        let root = makeTemporaryFolder()
        defer { removeFolder(root) }
        let server = try ControlServer(configuration: .init(path: root + "/control.sock"), handler: StubHandler(), logger: testLogger())
        let first = Task { try await server.run() }
        first.cancel()
        try await first.value
        await #expect(throws: ControlSocketError.self) { try await server.run() }
    }
}
