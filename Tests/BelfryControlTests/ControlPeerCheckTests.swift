import BelfryCore
import Foundation
import Testing

@testable import BelfryControl

/// SO_PEERCRED: another uid is refused even when file modes would let it in.
@Suite struct ControlPeerCheckTests {
    static let canSwitchUser =
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

    /// Connects as uid 65534, sends a call, prints everything it receives until EOF.
    static let script = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(sys.argv[1])
        try:
            s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"record","params":["intruder"]}\\n')
        except OSError:
            pass
        data = b''
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        sys.stdout.write(data.decode() + 'EOF\\n')
        """

    @Test(.enabled(if: canSwitchUser, "needs root, setpriv and /usr/bin/python3"))
    func anotherUidIsRefusedByThePeerCheck() async throws {
        let logs = LogRecorder()
        try await withServer(logs: logs) { path, handler in
            // Open the modes for this test only, so that only SO_PEERCRED stands in the way.
            let folder = ListeningSocket.folder(of: path)
            let root = ListeningSocket.folder(of: folder)
            try #require(chmod(root, 0o711) == 0 && chmod(folder, 0o711) == 0 && chmod(path, 0o666) == 0)

            let output = try await onThread { () -> String in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                process.arguments = [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", Self.script, path,
                ]
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                return String(decoding: data, as: UTF8.self)
            }
            let lines = output.split(separator: "\n").map(String.init)
            #expect(lines.last == "EOF", "the connection was closed: \(output)")
            let reply = try JSONValue.parse(try #require(lines.first))
            #expect(reply["error"]?["code"]?.int == ControlError.Code.permissionDenied)
            #expect(reply["result"] == nil)
            #expect(lines.count == 2)
            #expect(handler.recorded.isEmpty, "the handler never saw the intruder's call")
            #expect(logs.contains(.warning, "another uid"))
            // And the server still serves its own uid.
            let answer = try await onThread { try ControlClient(path: path).call("echo", params: [3]) }
            #expect(answer == [3])
        }
    }
}
