import BelfryCore
import Synchronization
import Testing

@testable import BelfryControl

@Suite struct ControlSubscriptionTests {
    @Test func firstEventAtOnceThenPushes() async throws {
        try await withServer { path, handler in
            let client = try ControlClient(path: path)
            let events = Mutex<[JSONValue]>([])
            async let finished: Void = onThread {
                try client.subscribe { event in events.withLock { $0.append(event) } }
            }
            #expect(await eventually { events.withLock { $0.count } == 1 })
            #expect(events.withLock { $0 } == [["state": 0]])
            handler.push(["state": 1])
            handler.push(["state": 2])
            #expect(await eventually { events.withLock { $0.count } == 3 })
            #expect(events.withLock { $0 } == [["state": 0], ["state": 1], ["state": 2]])
            client.cancel()
            try await finished
        }
    }

    @Test func resultComesBeforeTheFirstEvent() async throws {
        try await withServer { path, _ in
            try await onThread {
                let client = try ControlClient(path: path)
                let result = try client.exchange(#"{"jsonrpc":"2.0","id":1,"method":"subscribe"}"#)
                #expect(result == ["jsonrpc": "2.0", "id": 1, "result": true])
                let event = try client.nextJSON()
                #expect(event == ["jsonrpc": "2.0", "method": "event", "params": ["state": 0]])
                let again = try client.exchange(#"{"jsonrpc":"2.0","id":2,"method":"subscribe"}"#)
                #expect(again["error"]?["code"]?.int == -32600, "one subscription per connection")
                // Calls still work on a subscribed connection.
                #expect(try client.exchange(#"{"jsonrpc":"2.0","id":3,"method":"echo","params":[3]}"#)["result"] == [3])
            }
        }
    }

    @Test func refusedSubscriptionAnswersTheHandlersError() async throws {
        try await withServer { path, handler in
            try await onThread {
                let client = try ControlClient(path: path)
                let reply = try client.exchange(#"{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"refuse":true}}"#)
                #expect(reply["error"]?["code"]?.int == -32602)
                // The connection may subscribe again after a refusal.
                #expect(try client.exchange(#"{"jsonrpc":"2.0","id":2,"method":"subscribe"}"#)["result"] == true)
            }
            #expect(await eventually { handler.subscriberCount == 1 })
        }
    }

    @Test func clientLeavingEndsTheHandlersStream() async throws {
        try await withServer { path, handler in
            try await onThread {
                let client = try ControlClient(path: path)
                _ = try client.exchange(#"{"jsonrpc":"2.0","id":1,"method":"subscribe"}"#)
            }  // the client is released here, closing its socket
            #expect(await eventually { handler.subscriberCount == 0 }, "onTermination fired")
        }
    }

    @Test func handlerFinishingTheStreamClosesTheConnection() async throws {
        try await withServer { path, handler in
            let client = try ControlClient(path: path)
            let count = Mutex(0)
            async let finished: Void = onThread {
                try client.subscribe { _ in count.withLock { $0 += 1 } }
            }
            #expect(await eventually { count.withLock { $0 } == 1 })
            handler.finishSubscriptions()
            try await finished  // subscribe returns at EOF
        }
    }

    /// The cap is on events: a reply four times its size on a subscribed connection (a bar that also
    /// asks for `list`) arrives whole, and the subscription goes on.
    @Test func aLargeReplyOnASubscribedConnectionIsNotTakenForAStuckSubscriber() async throws {
        let cap = 64 * 1024
        try await withServer(configure: { $0.maxOutputBytes = cap }) { path, handler in
            let client = try ControlClient(path: path, timeout: .seconds(30))
            try await onThread { _ = try client.call("subscribe") }
            #expect(await eventually { handler.subscriberCount == 1 })
            let reply = try await onThread { try client.call("big", params: ["bytes": .number(Double(4 * cap))]) }
            #expect(reply.string?.utf8.count == 4 * cap)
            handler.push(["after": true])
            let event = try await onThread { () -> JSONValue in
                while true {
                    let message = try client.nextJSON()
                    if message["params"]?["after"] == true { return message }
                }
            }
            #expect(event["method"] == "event")
            #expect(handler.subscriberCount == 1)
        }
    }

    /// A subscriber that never reads while thousands of events are pushed must not hold up anyone:
    /// its outgoing buffer fills, it is dropped, and other clients' calls keep being answered.
    @Test func stuckSubscriberIsDroppedAndDoesNotBlockOthers() async throws {
        let logs = LogRecorder()
        try await withServer(logs: logs, configure: { $0.maxOutputBytes = 256 * 1024 }) { path, handler in
            let stuck = try ControlClient(path: path)
            try await onThread {
                try stuck.send(raw: Array(#"{"jsonrpc":"2.0","id":1,"method":"subscribe"}"#.utf8) + [10], deadline: .now + .seconds(5))
            }
            #expect(await eventually { handler.subscriberCount == 1 })

            let other = try ControlClient(path: path, timeout: .seconds(10))
            let padding = JSONValue.string(String(repeating: "p", count: 200))
            var answered = 0
            for round in 0..<20 {
                for i in 0..<1000 { handler.push(["round": .number(Double(round)), "i": .number(Double(i)), "pad": padding]) }
                if try await onThread({ try other.call("echo", params: [.number(Double(round))]) }) == [.number(Double(round))] {
                    answered += 1
                }
            }
            #expect(answered == 20)

            // The stuck client was dropped: what the kernel had buffered, then EOF, well short of
            // the 20 000 events (4 MB) pushed.
            let received = try await onThread { try stuck.linesUntilEOF(within: .seconds(20)) }
            #expect(received != nil, "the server closed the stuck connection")
            #expect((received ?? .max) < 20_000)
            #expect(await eventually { handler.subscriberCount == 0 })
            #expect(logs.contains(.warning, "does not read"))
        }
    }
}
