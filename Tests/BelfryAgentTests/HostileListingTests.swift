@testable import BelfryAgent
import BelfryCore
import BelfryEmulatorKit
import Foundation
import Testing

/// Listings a service gets wrong in one item: the other items still show, once.
@Suite(.serialized) struct HostileListingTests {
    /// Issue 14, finding 4: a 0xFF byte in one title made every listing "not valid JSON", on every
    /// poll, and hid every other item of the source. Now the bad byte reads as U+FFFD, an element
    /// that cannot be an item (no id) is dropped alone and logged once, whatever the number of polls.
    @Test func oneItemWithInvalidUTF8AmongGoodOnesHidesNothing() async throws {
        try await withWorld { w in
            let log = LogCapture()
            try await w.start(w.configText(), log: log)
            try await w.waitUntilPolled()
            let now = ISO8601DateFormatter().string(from: Date())
            func item(_ id: String, _ title: String) -> [UInt8] {
                Array(#"{"id":"\#(id)","type":"t","title":""#.utf8) + Array(title.utf8)
                    + Array(#"","message":"m","is_read":false,"created_at":"\#(now)"}"#.utf8)
            }
            var body = Array(#"{"items":["#.utf8)
            body += item("ntf_good0001", "first") + Array(",".utf8)
            body += Array(#"{"id":"ntf_bad00001","type":"t","title":"bad "#.utf8) + [0xFF, 0xC3]
                + Array(#" title","created_at":"\#(now)"}"#.utf8) + Array(",".utf8)
            body += Array(#"{"title":"no id at all"},"#.utf8)
            body += item("ntf_good0002", "second")
            body += Array(#"],"total":4,"unread_count":4}"#.utf8)
            let polls = 3
            try await w.admin("POST", "/_emulator/faults", """
                {"kind":"raw","times":\(polls),"path":"/api/v2/notifications","method":"GET","body_base64":"\(Data(body).base64EncodedString())"}
                """)
            let calls = try await w.server!.waitForNotifyCalls(3, timeout: .seconds(15))
            // Every poll served the listing, and one more ran after: nothing more may pop.
            try await w.eventually("the bad listing served \(polls) times, then a normal poll") {
                let served = try await w.calls().filter { $0["fault"]?.string == "raw" }.count
                let after = try await w.calls().filter { $0["path"]?.string == "/api/v2/notifications" && $0["fault"]?.isNull == true }
                return served == polls && after.count >= 2  // the first poll, and one after the faults
            }
            try await w.eventually("the last poll handled") { await w.sourceState == "ok" }
            #expect(w.server!.notifyCalls.count == 3, "each item once: \(w.server!.notifyCalls.map(\.summary))")
            #expect(Set(calls.map(\.summary)) == ["first", "second", "bad \u{FFFD}\u{FFFD} title"])
            #expect(!log.contains("not valid JSON"))
            let dropped = log.all.filter { $0.contains("dropped a listed element that has no id") }
            #expect(dropped.count == 1, "logged once, not per poll: \(dropped)")
            #expect(dropped.first?.contains("no id at all") == true)
        }
    }
}
