import BelfryAgent
import BelfryCore
import Glibc
import Logging
import Synchronization
import Testing

/// Quiet hours, bursts and icons decided by the agent itself, on an injected clock: no bus, no HTTP,
/// no sleeping. Items go in through `ingest` as a feed hands them over; popups come out of a recorder.
@Suite struct DesktopPolicyTests {
    /// A DesktopSink that remembers every popup; ids count up from 1 and a replacement keeps its id.
    final class RecordingSink: DesktopSink {
        private let shown = Mutex<[DesktopNotification]>([])
        private let nextID = Mutex<UInt32>(0)
        let events: AsyncStream<DesktopEvent> = AsyncStream { _ in }

        var popups: [DesktopNotification] { shown.withLock { $0 } }

        func serverInfo() async throws -> NotificationServerInfo {
            NotificationServerInfo(name: "recorder", vendor: "tests", version: "1", specVersion: "1.2", capabilities: ["actions", "body"])
        }

        func notify(_ n: DesktopNotification) async throws -> UInt32 {
            shown.withLock { $0.append(n) }
            if n.replacesID != 0 { return n.replacesID }
            return nextID.withLock { $0 += 1; return $0 }
        }

        func close(id: UInt32) async throws {}
    }

    struct NoTransport: HTTPTransport {
        func send(_ request: HTTPRequest) async throws -> HTTPResponse { throw CancellationError() }
        func stream(_ request: HTTPStreamRequest) -> AsyncThrowingStream<HTTPStreamPart, Error> {
            AsyncThrowingStream { $0.finish(throwing: CancellationError()) }
        }
    }

    /// The clock the agent reads, moved by the test.
    final class TestNow: Sendable {
        private let value: Mutex<Double>
        init(_ t: Double) { value = Mutex(t) }
        var now: Double { value.withLock { $0 } }
        func set(_ t: Double) { value.withLock { $0 = t } }
        func advance(_ seconds: Double) { value.withLock { $0 += seconds } }
    }

    /// Seconds since the epoch of a local wall-clock time (quiet hours are local), on a July day
    /// far from any daylight-saving change.
    static func local(day: Int32 = 15, _ hour: Int32, _ minute: Int32) -> Double {
        var tm = Glibc.tm()
        tm.tm_year = 2026 - 1900
        tm.tm_mon = 6
        tm.tm_mday = day
        tm.tm_hour = hour
        tm.tm_min = minute
        tm.tm_isdst = -1
        return Double(mktime(&tm))
    }

    func makeAgent(_ text: String, clock: TestNow) throws -> (Agent, RecordingSink) {
        let config = try ConfigLoader.parse(text, file: "test.toml")
        let sink = RecordingSink()
        var logger = Logger(label: "belfry-test")
        logger.logLevel = .critical
        let agent = Agent(config: config, sink: sink, transport: NoTransport(), stateFile: nil, state: PersistedState(),
                          environment: [:], logger: logger, now: { clock.now }, monotonic: { clock.now })
        return (agent, sink)
    }

    static func source(_ name: String, _ extra: String = "") -> String {
        """
        [[source]]
        name = "\(name)"
        preset = "jaot"
        base_url = "http://127.0.0.1:9"
        web_url = "https://app.example.com"
        token = "t"
        \(extra)
        """
    }

    /// `age` seconds old (items pop oldest first).
    func item(_ id: String, _ clock: TestNow, urgency: Urgency = .normal, source: String = "work", age: Double = 0) -> Item {
        Item(source: source, id: id, title: "item \(id)", body: "body \(id)", link: "https://app.example.com/\(id)",
             createdAt: clock.now - age, urgency: urgency)
    }

    @Test func quietHoursHoldNormalItemsLetCriticalOnesThroughAndSummariseAfterTheWindow() async throws {
        let clock = TestNow(Self.local(23, 0))
        let (agent, sink) = try makeAgent("[desktop]\nquiet_hours = \"22:00-07:00\"\n" + Self.source("work"), clock: clock)
        await agent.ingest([], source: "work", complete: true)   // the source's first (empty) listing

        await agent.ingest([item("a", clock)], source: "work", complete: false)
        #expect(sink.popups.isEmpty, "a normal item waits during quiet hours")
        await agent.ingest([item("b", clock, urgency: .critical)], source: "work", complete: false)
        #expect(sink.popups.map(\.summary) == ["item b"], "a critical one is shown at once")
        #expect(await agent.statusJSON()["quiet_hours"] == .bool(true))
        #expect(await agent.countJSON()["total"] == 2, "held items are still recorded")

        clock.set(Self.local(day: 16, 6, 59))
        await agent.ingest([item("c", clock)], source: "work", complete: false)
        #expect(sink.popups.count == 1, "06:59 is still inside the window")

        clock.set(Self.local(day: 16, 7, 0))
        await agent.ingest([], source: "work", complete: false)   // the next poll after the window
        #expect(sink.popups.count == 2)
        let summary = try #require(sink.popups.last)
        #expect(summary.summary == "2 new from work")
        #expect(summary.hints.transient == true, "the summary popup is transient")
        #expect(sink.popups[0].hints.transient == nil, "an item's popup is not")
        #expect(await agent.statusJSON()["quiet_hours"] == .bool(false))

        await agent.ingest([], source: "work", complete: false)
        #expect(sink.popups.count == 2, "held items are summarised once")
    }

    @Test func aHeldItemReadElsewhereIsNotSummarised() async throws {
        let clock = TestNow(Self.local(23, 0))
        let (agent, sink) = try makeAgent("[desktop]\nquiet_hours = \"22:00-07:00\"\n" + Self.source("work"), clock: clock)
        await agent.ingest([], source: "work", complete: true)
        await agent.ingest([item("a", clock), item("b", clock)], source: "work", complete: true)
        clock.set(Self.local(day: 16, 8, 0))
        // The full listing now says only b is unread: a was read on the web meanwhile.
        await agent.ingest([item("b", clock)], source: "work", complete: true)
        #expect(sink.popups.map(\.summary) == ["1 new from work"])
    }

    @Test func burstLimitSlidesWithTheClock() async throws {
        let clock = TestNow(1_800_000_000)
        let (agent, sink) = try makeAgent("[desktop]\nburst_limit = 2\nburst_window = \"10s\"\n" + Self.source("work"), clock: clock)
        await agent.ingest([], source: "work", complete: true)

        await agent.ingest([item("3", clock), item("2", clock, age: 1), item("1", clock, age: 2)], source: "work", complete: false)
        #expect(sink.popups.map(\.summary) == ["item 1", "item 2", "1 new from work"])
        let summaryID = UInt32(3)

        clock.advance(5)
        await agent.ingest([item("4", clock)], source: "work", complete: false)
        let folded = try #require(sink.popups.last)
        #expect(folded.summary == "2 new from work", "still inside the window: folded into the same summary")
        #expect(folded.replacesID == summaryID)

        clock.advance(6)   // 11 s after the first two popups: their slots are free again
        await agent.ingest([item("5", clock)], source: "work", complete: false)
        #expect(sink.popups.last?.summary == "item 5")
        #expect(sink.popups.last?.replacesID == 0)
    }

    /// A popup shown after the server (or the whole bus) went and before the agent handled the new
    /// server's `serverAppeared` (a call reconnects as soon as it can) is on the new server: its
    /// click still counts. Popups from before the loss are forgotten when it happens.
    @Test(arguments: [DesktopEvent.serverVanished, .busLost])
    func aPopupShownBeforeTheServerAppearedEventIsHandledIsKept(loss: DesktopEvent) async throws {
        let clock = TestNow(1_800_000_000)
        let (agent, sink) = try makeAgent("[desktop]\nfirst_run = \"all\"\n" + Self.source("work"), clock: clock)
        await agent.ingest([item("old", clock)], source: "work", complete: true)
        #expect(sink.popups.count == 1)
        await agent.handle(loss)
        await agent.ingest([item("new", clock)], source: "work", complete: false)
        #expect(sink.popups.map(\.summary) == ["item old", "item new"])
        await agent.handle(.serverAppeared)
        await agent.handle(.actionInvoked(id: 2, key: "mark-read"))
        #expect(await agent.unreadItems().map(\.id) == ["old"], "the click on the new popup marked it read")
        // The old popup's id means nothing now (a new server may reuse it for something else).
        await agent.handle(.actionInvoked(id: 1, key: "mark-read"))
        #expect(await agent.unreadItems().map(\.id) == ["old"])
    }

    @Test func aSourceIconOverridesTheDesktopIcon() async throws {
        let clock = TestNow(1_800_000_000)
        // Icons that exist wherever the test runs: paths (names are looked up in the machine's themes).
        let desktopIcon = "/tmp/belfry-desktop-icon-\(getpid()).svg", sourceIcon = "/tmp/belfry-source-icon-\(getpid()).svg"
        for path in [desktopIcon, sourceIcon] { close(open(path, O_CREAT | O_WRONLY, 0o600)) }
        defer { unlink(desktopIcon); unlink(sourceIcon) }
        let text = "[desktop]\nicon = \"\(desktopIcon)\"\nfirst_run = \"all\"\n" + Self.source("work", "icon = \"\(sourceIcon)\"") + "\n" + Self.source("home")
        let (agent, sink) = try makeAgent(text, clock: clock)
        await agent.ingest([item("w", clock, source: "work")], source: "work", complete: true)
        await agent.ingest([item("h", clock, source: "home")], source: "home", complete: true)
        #expect(sink.popups.map(\.appIcon) == [sourceIcon, desktopIcon])
    }
}
