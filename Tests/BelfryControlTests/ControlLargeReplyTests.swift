import BelfryCore
import Testing

@testable import BelfryControl

/// A reply is always delivered whole, however far over the output cap; a client that sends
/// requests and does not read its replies is held back (its requests are not read), not dropped.
/// The cap's other job, dropping a subscriber that stops reading, is in ControlSubscriptionTests.
@Suite struct ControlLargeReplyTests {
    /// With a 256 KiB cap, so the suite stays light (the 3 MiB `list` through the real agent and
    /// binary is CLIOutputTests.aListOverThreeMiBArrivesWholeAndLimitPagesIt).
    @Test func aReplyThreeTimesTheOutputCapIsDeliveredWhole() async throws {
        let cap = 256 * 1024
        let size = 3 * cap
        try await withServer(configure: { $0.maxOutputBytes = cap }) { path, _ in
            let result = try await onThread {
                try ControlClient(path: path, timeout: .seconds(30)).call("big", params: ["bytes": .number(Double(size))])
            }
            #expect(result.string?.utf8.count == size)
        }
    }

    @Test func aClientThatDoesNotReadIsNotReadFromUntilItDoesAndLosesNoReply() async throws {
        let cap = 64 * 1024
        try await withServer(configure: { $0.maxOutputBytes = cap }) { path, _ in
            try await onThread {
                let client = try ControlClient(path: path, timeout: .seconds(30))
                // Requests of 8 KiB asking for replies of 64 KiB each; nothing is read. The server
                // stops reading this connection once more than the cap waits to be sent, so the
                // socket buffers fill and a send cannot finish (it times out) instead of the
                // connection being closed (which an overflow used to do).
                let padding = String(repeating: "r", count: 8 * 1024)
                var sent = 0
                var stopped: ControlSocketError?
                for id in 1...2_000 {
                    let line = JSONRPCLine.request(
                        id: .number(Double(id)), method: "big", params: ["bytes": .number(Double(cap)), "pad": .string(padding)])
                    do throws(ControlSocketError) {
                        try client.send(raw: line, deadline: .now + .seconds(2))
                        sent += 1
                    } catch {
                        stopped = error
                        break
                    }
                }
                #expect(stopped?.code == .timeout, "the server held the connection back: \(String(describing: stopped))")
                #expect(sent < 2_000)
                // Reading now gets every reply, whole (in any order: match by id).
                var ids: Set<Int> = []
                for _ in 0..<sent {
                    let reply = try client.nextJSON()
                    #expect(reply["result"]?.string?.utf8.count == cap)
                    if let id = reply["id"]?.int { ids.insert(id) }
                }
                #expect(ids == Set(1...sent))
            }
        }
    }
}
