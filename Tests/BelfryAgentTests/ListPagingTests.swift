import BelfryAgent
import BelfryControl
import BelfryCore
import Logging
import Testing

/// `list` with `limit`, `after` and `source` (docs/control.md): pages newest first that neither
/// skip nor repeat an item when items arrive or are read between two pages, and -32602 naming the
/// param for bad values. Through `AgentControlHandler`, no socket (the socket is CLIOutputTests').
@Suite struct ListPagingTests {
    func makeHandler() throws -> (AgentControlHandler, Agent) {
        let config = try ConfigLoader.parse(
            "[desktop]\nfirst_run = \"none\"\n" + DesktopPolicyTests.source("work") + "\n" + DesktopPolicyTests.source("home"),
            file: "test.toml")
        var logger = Logger(label: "belfry-test")
        logger.logLevel = .critical
        let agent = Agent(config: config, sink: DesktopPolicyTests.RecordingSink(), transport: DesktopPolicyTests.NoTransport(),
                          stateFile: nil, state: PersistedState(), environment: [:], logger: logger,
                          now: { 1_800_000_000 }, monotonic: { 0 })
        return (AgentControlHandler(agent: agent), agent)
    }

    func item(_ n: Int, source: String = "work") -> Item {
        Item(source: source, id: "i\(n)", title: "item \(n)", body: "", link: nil, createdAt: 1_700_000_000 + Double(n), urgency: .normal)
    }

    func ids(_ r: JSONValue) -> [String] { r["items"]?.array?.compactMap { $0["key"]?.string } ?? [] }

    @Test func pagesFollowEachOtherWhileItemsArriveAndAreRead() async throws {
        let (handler, agent) = try makeHandler()
        await agent.ingest((1...7).map { item($0) }, source: "work", complete: true)
        await agent.ingest([item(100, source: "home")], source: "home", complete: true)

        let p1 = try await handler.handle(method: "list", params: ["source": "work", "limit": 3])
        #expect(ids(p1) == ["work:i7", "work:i6", "work:i5"])
        #expect(p1["more"] == true && p1["total"] == 7)
        let next1 = try #require(p1["next"]?.string)

        // Meanwhile a newer item arrives and the page's last item is read: the next page neither
        // repeats i5 nor skips i4 (an offset would do one or the other).
        await agent.ingest([item(8)], source: "work", complete: false)
        await agent.markRead(keys: ["work:i5"])
        let p2 = try await handler.handle(method: "list", params: ["source": "work", "limit": 3, "after": .string(next1)])
        #expect(ids(p2) == ["work:i4", "work:i3", "work:i2"])
        let next2 = try #require(p2["next"]?.string)
        let p3 = try await handler.handle(method: "list", params: ["source": "work", "limit": 3, "after": .string(next2)])
        #expect(ids(p3) == ["work:i1"])
        #expect(p3["more"] == false && p3["next"] == .null)

        // No limit: everything, as before, and all sources without `source`.
        let all = try await handler.handle(method: "list", params: nil)
        #expect(ids(all).count == 8 && all["more"] == false && all["total"] == 8)
        #expect(ids(all).first == "home:i100")
        let exact = try await handler.handle(method: "list", params: ["limit": 8])
        #expect(exact["more"] == false && exact["next"] == .null, "a limit that takes the last item leaves nothing more")
    }

    static let badParams: [(JSONValue, String)] = [
        (["limit": 0], "limit must be a whole number of at least 1, not 0"),
        (["limit": -3], "limit must be a whole number of at least 1, not -3"),
        (["limit": 2.5], "limit must be a whole number of at least 1, not 2.5"),
        (["limit": "10"], #"limit must be a whole number of at least 1, not "10""#),
        (["after": 5], #"after must be the "next" string of an earlier list answer, not 5"#),
        (["after": "work:i1"], #"after must be the "next" string of an earlier list answer, not "work:i1""#),
        (["after": "soon/work:i1"], #"after must be the "next" string of an earlier list answer"#),
        (["after": "17/no-colon"], #"after must be the "next" string of an earlier list answer"#),
        (["source": "nope", "limit": 1], #"no source named "nope""#),
    ]

    @Test(arguments: badParams)
    func badParamsAreInvalidParamsNamingWhatIsWrong(params: JSONValue, message: String) async throws {
        let (handler, _) = try makeHandler()
        do {
            let r = try await handler.handle(method: "list", params: params)
            Issue.record("answered \(r.serialized())")
        } catch {
            #expect(error.code == ControlError.Code.invalidParams)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
