import BelfryCore
import Testing

@testable import BelfryControl

/// Framing, validation and every JSON-RPC error code, over a real socket.
@Suite struct ControlProtocolTests {
    @Test func callRoundTrip() async throws {
        try await withServer { path, _ in
            let result = try await onThread {
                try ControlClient(path: path).call("echo", params: ["key": "work:ntf_1", "n": [1, 2]])
            }
            #expect(result == ["key": "work:ntf_1", "n": [1, 2]])
        }
    }

    @Test func everyErrorCodeAndTheConnectionSurvives() async throws {
        try await withServer { path, _ in
            try await onThread {
                let client = try ControlClient(path: path, timeout: .seconds(10))
                func expectError(_ line: String, _ code: Int, id: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) throws {
                    let reply = try client.exchange(line)
                    #expect(reply["jsonrpc"] == "2.0", sourceLocation: sourceLocation)
                    #expect(reply["id"] == id, sourceLocation: sourceLocation)
                    #expect(reply["error"]?["code"]?.int == code, "\(line) -> \(reply.serialized())", sourceLocation: sourceLocation)
                    #expect(reply["error"]?["message"]?.string?.isEmpty == false, sourceLocation: sourceLocation)
                    #expect(reply["result"] == nil, sourceLocation: sourceLocation)
                }
                try expectError(#"{"jsonrpc":"2.0","id":1,"method":"echo""#, -32700, id: nil)
                try expectError("not json at all", -32700, id: nil)
                try expectError(#"[{"jsonrpc":"2.0","id":1,"method":"echo"}]"#, -32600, id: nil)
                try expectError("42", -32600, id: nil)
                try expectError(#""a string""#, -32600, id: nil)
                try expectError(#"{"id":2,"method":"echo"}"#, -32600, id: 2)
                try expectError(#"{"jsonrpc":"1.0","id":3,"method":"echo"}"#, -32600, id: 3)
                try expectError(#"{"jsonrpc":"2.0","id":4}"#, -32600, id: 4)
                try expectError(#"{"jsonrpc":"2.0","id":5,"method":17}"#, -32600, id: 5)
                try expectError(#"{"jsonrpc":"2.0","id":{"x":1},"method":"echo"}"#, -32600, id: nil)
                try expectError(#"{"jsonrpc":"2.0","id":6,"method":"no-such-method"}"#, -32601, id: 6)
                try expectError(#"{"jsonrpc":"2.0","id":"seven","method":"echo","params":7}"#, -32602, id: "seven")
                try expectError(#"{"jsonrpc":"2.0","id":8,"method":"fail-params"}"#, -32602, id: 8)
                try expectError(#"{"jsonrpc":"2.0","id":9,"method":"fail-internal"}"#, -32603, id: 9)

                let reply = try client.exchange(#"{"jsonrpc":"2.0","id":10,"method":"echo","params":["still here"]}"#)
                #expect(reply == ["jsonrpc": "2.0", "id": 10, "result": ["still here"]])
            }
        }
    }

    @Test func handlerErrorsCarryTheirData() async throws {
        try await withServer { path, _ in
            let error = try await onThread { () -> ControlError? in
                do {
                    _ = try ControlClient(path: path).call("fail-params")
                    return nil
                } catch let error as ControlError {
                    return error
                }
            }
            #expect(error == ControlError(code: -32602, message: "expected {\"key\": string}", data: ["key": "missing"]))
        }
    }

    @Test func notificationsGetNoResponse() async throws {
        try await withServer { path, handler in
            try await onThread {
                let client = try ControlClient(path: path)
                // Two notifications (one for a method that does not exist), then a call: the first
                // line back must be the call's response.
                try client.send(raw: Array(#"{"jsonrpc":"2.0","method":"record","params":["n1"]}"#.utf8) + [10], deadline: .now + .seconds(5))
                try client.send(raw: Array(#"{"jsonrpc":"2.0","method":"nothing-here"}"#.utf8) + [10], deadline: .now + .seconds(5))
                let reply = try client.exchange(#"{"jsonrpc":"2.0","id":"c","method":"echo","params":{}}"#)
                #expect(reply["id"] == "c")
                #expect(reply["result"] == [:])
            }
            #expect(await eventually { handler.recorded == [["n1"]] })
        }
    }

    @Test func crlfAndBlankLinesAndALastLineWithoutLF() async throws {
        try await withServer { path, _ in
            try await onThread {
                let client = try ControlClient(path: path)
                let reply = try client.exchange("\n  \n" + #"{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]}"# + "\r")
                #expect(reply["result"] == [1])
                // A request followed by EOF (as `printf … | socat`) is still answered.
                try client.send(raw: Array(#"{"jsonrpc":"2.0","id":2,"method":"echo","params":[2]}"#.utf8), deadline: .now + .seconds(5))
                try client.shutdownWriting()
                #expect(try client.nextJSON()["result"] == [2])
                #expect(try client.linesUntilEOF() == 0)
            }
        }
    }

    @Test func oversizedLineIsRefusedAndClosedWhileOthersAreServed() async throws {
        try await withServer { path, _ in
            try await onThread {
                let other = try ControlClient(path: path)
                #expect(try other.call("echo", params: ["before"]) == ["before"])

                let big = try ControlClient(path: path)
                let padding = String(repeating: "a", count: 70 * 1024)
                let reply = try big.exchange(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":[""# + padding + #""]}"#)
                #expect(reply["error"]?["code"]?.int == -32600)
                #expect(reply["error"]?["message"]?.string?.contains("too large") == true)
                #expect(try big.linesUntilEOF() == 0, "the server closes the connection")

                #expect(try other.call("echo", params: ["after"]) == ["after"])
                #expect(try ControlClient(path: path).call("echo", params: ["new"]) == ["new"])
            }
        }
    }

    @Test func oversizedWithoutNewlineIsRefusedBeforeItEnds() async throws {
        try await withServer(configure: { $0.maxRequestBytes = 1024 }) { path, _ in
            try await onThread {
                let client = try ControlClient(path: path)
                try client.send(raw: Array(("{" + String(repeating: "a", count: 2000)).utf8), deadline: .now + .seconds(5))
                let reply = try client.nextJSON()
                #expect(reply["error"]?["code"]?.int == -32600)
                #expect(try client.linesUntilEOF() == 0)
            }
        }
    }

    @Test func aLineOfExactlyTheLimitIsAccepted() async throws {
        try await withServer(configure: { $0.maxRequestBytes = 200 }) { path, _ in
            try await onThread {
                let client = try ControlClient(path: path)
                let head = #"{"jsonrpc":"2.0","id":1,"method":"echo","params":[""#
                let tail = #""]}"#
                let fill = String(repeating: "x", count: 200 - head.utf8.count - tail.utf8.count)
                let reply = try client.exchange(head + fill + tail)
                #expect(reply["result"] == [.string(fill)])
            }
        }
    }

    @Test func fiftyConcurrentClients() async throws {
        try await withServer { path, _ in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<50 {
                    group.addTask {
                        try await onThread {
                            let client = try ControlClient(path: path)
                            var good = 0
                            for j in 0..<5 where try client.call("echo", params: ["i": .number(Double(i)), "j": .number(Double(j))]) == ["i": .number(Double(i)), "j": .number(Double(j))] {
                                good += 1
                            }
                            return good
                        }
                    }
                }
                var total = 0
                for try await good in group { total += good }
                #expect(total == 250)
            }
        }
    }

    @Test func clientSeesRemoteErrorsAndTimeouts() async throws {
        try await withServer { path, _ in
            try await onThread {
                #expect(throws: ControlError.methodNotFound("nope")) { try ControlClient(path: path).call("nope") }
                let client = try ControlClient(path: path, timeout: .milliseconds(300))
                let error = #expect(throws: ControlSocketError.self) { try client.call("sleep", params: ["seconds": 30]) }
                #expect(error?.code == .timeout)
            }
        }
    }
}
