import BelfryCore
import BelfryDBus
import BelfryTestSupport
import Testing

@Suite("DBusNotifications when the server or the bus comes and goes")
struct ServerPresenceTests {
    @Test func noServerThenALateOne() async throws {
        let bus = try PrivateBus()
        let sink = DBusNotifications(busAddress: bus.address)
        let events = EventRecorder(sink.events)

        let error = await desktopError { _ = try await sink.notify(popup()) }
        #expect(error?.code == .noServer)
        #expect(await desktopError { _ = try await sink.serverInfo() }?.code == .noServer)

        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        #expect(await events.wait { $0.contains(.serverAppeared) } == [.serverAppeared])
        let id = try await sink.notify(popup())
        #expect(id > 0)
        #expect(try await server.waitForNotifyCalls(1).first?.returnedID == id)
    }

    @Test func serverRestartIsReportedAndOldIDsAreForgotten() async throws {
        let bus = try PrivateBus()
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address)
        let events = EventRecorder(sink.events)
        let before = try await sink.notify(popup())

        await server.stop()
        #expect(await events.wait { $0.contains(.serverVanished) } == [.serverVanished])
        #expect(await desktopError { _ = try await sink.notify(popup()) }?.code == .noServer)

        try await server.start()
        #expect(await events.wait { $0.count >= 2 } == [.serverVanished, .serverAppeared])

        // The restarted server's signal about the old id is not ours any more; the new popup's is.
        try await server.emitActionInvoked(id: before, key: "open")
        let after = try await sink.notify(popup())
        #expect(after != before)
        try await server.emitActionInvoked(id: after, key: "open")
        #expect(await events.wait { $0.count >= 3 }
            == [.serverVanished, .serverAppeared, .actionInvoked(id: after, key: "open")])
    }

    @Test func aKilledBusReadsAsDisconnectedAndARestartedOneIsReconnected() async throws {
        let bus = try PrivateBus()
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address, callTimeout: .seconds(3))
        let events = EventRecorder(sink.events)
        let before = try await sink.notify(popup())
        #expect(before > 0)

        bus.kill()
        #expect(await events.wait { $0.contains(.busLost) } == [.busLost])
        #expect(await desktopError { _ = try await sink.notify(popup()) }?.code == .disconnected)
        #expect(await desktopError { _ = try await sink.serverInfo() }?.code == .disconnected)

        // A new daemon on the same socket path, a server on it: the next call reconnects.
        try bus.restart()
        try await server.start()
        let after = try await sink.notify(popup())
        #expect(after > 0)
        #expect(server.notifyCalls.count == 2)
        #expect(await events.wait { $0.count >= 2 } == [.busLost, .serverAppeared])

        // The match rules came back with the new connection.
        try await server.emitActionInvoked(id: after, key: "open")
        #expect(await events.wait { $0.count >= 3 }.last == .actionInvoked(id: after, key: "open"))
    }

    /// Nobody calls while the bus is away: the sink reconnects by itself (bounded backoff) and says
    /// so, so what waited for the desktop can be shown without a new popup to trigger it.
    @Test func aRestartedBusIsReconnectedWithoutACall() async throws {
        let bus = try PrivateBus()
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address, callTimeout: .seconds(3))
        let events = EventRecorder(sink.events)
        try await sink.connect()

        // A daemon that stops cleanly may first tell us the server's name went (it drops the server's
        // connection before ours); a killed one cannot.
        bus.stop()
        let lost = await events.wait { $0.contains(.busLost) }
        #expect(lost == [.busLost] || lost == [.serverVanished, .busLost], "\(lost)")
        try bus.restart()
        try await server.start()
        let back = await events.wait(timeout: .seconds(20)) { $0.count > lost.count }
        #expect(Array(back.dropFirst(lost.count)) == [.serverAppeared], "reconnected with no call made: \(back)")
        #expect(server.notifyCalls.isEmpty)
        let id = try await sink.notify(popup())
        try await server.emitActionInvoked(id: id, key: "open")
        let all = await events.wait { $0.count > back.count }
        #expect(Array(all.dropFirst(back.count)) == [.actionInvoked(id: id, key: "open")], "match rules are back, and one serverAppeared: \(all)")
        await sink.shutdown()
    }

    @Test func noSessionBusIsDisconnected() async throws {
        let sink = DBusNotifications(busAddress: "unix:path=/nonexistent/belfry-test-bus")
        #expect(await desktopError { _ = try await sink.notify(popup()) }?.code == .disconnected)
    }
}
