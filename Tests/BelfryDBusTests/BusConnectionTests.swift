import BelfryDBus
import BelfryTestSupport
import Testing

@Suite("BusConnection over a private bus")
struct BusConnectionTests {
    static let path = "/org/belfry/Test"
    static let interface = "org.belfry.Test"

    /// A connection that answers `Echo` with its arguments and `Fail` with a D-Bus error.
    static func echoServer(_ bus: PrivateBus) async throws -> BusConnection {
        let server = try await BusConnection.connect(address: bus.address)
        try server.serve(path: path, interface: interface) { call in
            switch call.member {
            case "Echo": .success(call.args)
            default: .error(name: "org.belfry.Test.Error.Nope", message: "no \(call.member)")
            }
        }
        return server
    }

    @Test func valuesSurviveARoundTripThroughTheBus() async throws {
        let bus = try PrivateBus()
        let server = try await Self.echoServer(bus)
        let client = try await BusConnection.connect(address: bus.address)
        let args: [DBusValue] = [
            .vardict([
                ("urgency", .byte(2)), ("transient", .bool(true)), ("resident", .bool(false)),
                ("category", .string("im.received")), ("count", .int64(-5)), ("size", .uint64(1 << 40)),
                ("ratio", .double(0.25)), ("nested", .variant(.strings(["x"]))),
            ]),
            .strings(["default", "Open", "mark-read", "Mark read"]),
            .strings([]),
            .variant(.uint32(7)),
            .structure([.int16(-2), .uint16(3), .int32(-4), .objectPath("/a/b"), .signature("a{sv}")]),
            .dict(key: "u", value: "as", [DBusDictEntry(.uint32(1), .strings(["a", "b"]))]),
            .array(element: "a{sv}", [.vardict([]), .vardict([("k", .string("v"))])]),
            .string("üñï €"),
        ]
        let reply = try await client.call(destination: server.uniqueName, path: Self.path,
                                          interface: Self.interface, member: "Echo", args: args)
        #expect(reply == args)
        #expect(reply.map(\.signature) == ["a{sv}", "as", "as", "v", "(nqiog)", "a{uas}", "aa{sv}", "s"])
        await client.close()
        await server.close()
    }

    @Test func errorRepliesCarryTheirName() async throws {
        let bus = try PrivateBus()
        let server = try await Self.echoServer(bus)
        let client = try await BusConnection.connect(address: bus.address)
        let error = await #expect(throws: BusError.self) {
            try await client.call(destination: server.uniqueName, path: Self.path,
                                  interface: Self.interface, member: "Other")
        }
        #expect(error?.code == .remote)
        #expect(error?.name == "org.belfry.Test.Error.Nope")

        let unserved = await #expect(throws: BusError.self) {
            try await client.call(destination: server.uniqueName, path: "/elsewhere",
                                  interface: Self.interface, member: "Echo")
        }
        #expect(unserved?.name == BusError.Names.unknownMethod)

        let nobody = await #expect(throws: BusError.self) {
            try await client.call(destination: "org.belfry.Nobody", path: Self.path,
                                  interface: Self.interface, member: "Echo")
        }
        #expect(nobody?.name == BusError.Names.serviceUnknown)
    }

    @Test func invalidInputIsRejectedBeforeLibdbusSeesIt() async throws {
        let bus = try PrivateBus()
        let client = try await BusConnection.connect(address: bus.address)
        let cases: [(String, String, [DBusValue])] = [
            ("not a path", "Echo", []),
            (Self.path, "Bad-Member", []),
            (Self.path, "Echo", [.objectPath("relative")]),
            (Self.path, "Echo", [.array(element: "s", [.uint32(1)])]),
            (Self.path, "Echo", [.dict(key: "as", value: "s", [])]),
            (Self.path, "Echo", [.string("nul\u{0}inside")]),
            (Self.path, "Echo", [.structure([])]),
        ]
        for (path, member, args) in cases {
            let error = await #expect(throws: BusError.self) {
                try await client.call(destination: client.uniqueName, path: path,
                                      interface: Self.interface, member: member, args: args)
            }
            #expect(error?.code == .invalidArgument, "\(path) \(member) \(args)")
        }
        #expect(client.isConnected)
    }

    @Test func signalsReachMatchingConnections() async throws {
        let bus = try PrivateBus()
        let emitter = try await BusConnection.connect(address: bus.address)
        let listener = try await BusConnection.connect(address: bus.address)
        let recorder = EventRecorder(listener.signals())
        try await listener.addMatch("type='signal',interface='\(Self.interface)'")
        try await emitter.emitSignal(path: Self.path, interface: "org.belfry.Other", member: "Ignored")
        try await emitter.emitSignal(path: Self.path, interface: Self.interface, member: "Ping",
                                     args: [.uint32(1), .string("one")])
        let signals = await recorder.wait { $0.contains { $0.member == "Ping" } }
        #expect(signals.filter { $0.interface == Self.interface }
            == [DBusSignal(sender: emitter.uniqueName, path: Self.path, interface: Self.interface,
                           member: "Ping", args: [.uint32(1), .string("one")])])
        #expect(!signals.contains { $0.member == "Ignored" })
    }

    @Test func requestNameReportsOwnership() async throws {
        let bus = try PrivateBus()
        let first = try await BusConnection.connect(address: bus.address)
        let second = try await BusConnection.connect(address: bus.address)
        #expect(try await first.requestName("org.belfry.Owned") == .primaryOwner)
        #expect(try await first.requestName("org.belfry.Owned") == .alreadyOwner)
        #expect(try await second.requestName("org.belfry.Owned") == .exists)
        #expect(try await second.nameHasOwner("org.belfry.Owned"))
    }

    @Test func aLostBusFailsCallsAndEndsStreams() async throws {
        let bus = try PrivateBus()
        let server = try await BusConnection.connect(address: bus.address)
        // Served, but never answers within the test: the call is pending when the bus dies.
        try server.serve(path: Self.path, interface: Self.interface) { _ in
            try? await Task.sleep(for: .seconds(30))
            return .success([])
        }
        let client = try await BusConnection.connect(address: bus.address)
        let recorder = EventRecorder(client.signals())
        async let pending: [DBusValue] = client.call(destination: server.uniqueName, path: Self.path,
                                                     interface: Self.interface, member: "Slow")
        try await Task.sleep(for: .milliseconds(100))
        bus.kill()
        do {
            let reply = try await pending
            Issue.record("a call pending when the bus died returned \(reply)")
        } catch {
            #expect((error as? BusError)?.code == .disconnected)
        }
        #expect(await Eventually.holds { !client.isConnected && recorder.isFinished })
        let after = await #expect(throws: BusError.self) {
            try await client.call(destination: server.uniqueName, path: Self.path,
                                  interface: Self.interface, member: "Slow")
        }
        #expect(after?.code == .disconnected)
    }

    @Test func connectingToNothingFails() async throws {
        let error = await #expect(throws: BusError.self) {
            try await BusConnection.connect(address: "unix:path=/nonexistent/belfry-test-bus")
        }
        #expect(error?.code == .connectFailed)
    }
}
