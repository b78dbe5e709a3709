import BelfryCore
import BelfryDBus
import BelfryTestSupport
import Testing

func popup(_ summary: String = "New comment", actions: [NotificationAction] = []) -> DesktopNotification {
    DesktopNotification(appName: "Belfry", summary: summary, body: "on work:ntf_1", actions: actions)
}

/// Runs `body` and returns the DesktopError it threw (recording an issue when it threw none or another).
func desktopError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> DesktopError? {
    do {
        try await body()
        Issue.record("expected a DesktopError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DesktopError {
        return error
    } catch {
        Issue.record("expected a DesktopError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite("DBusNotifications against a fake server")
struct DBusNotificationsTests {
    @Test func notifySendsEveryArgumentWithTheSpecTypes() async throws {
        let bus = try PrivateBus()
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address)
        let notification = DesktopNotification(
            appName: "Belfry", replacesID: 0, appIcon: "mail-unread", summary: "Build failed",
            body: "<b>main</b> is red",
            actions: [NotificationAction(key: "default", label: "Open"), NotificationAction(key: "mark-read", label: "Mark read")],
            hints: NotificationHints(urgency: 2, category: "im.received", desktopEntry: "belfry",
                                     transient: true, imagePath: "/tmp/icon.png"),
            expireTimeout: 5000)
        let id = try await sink.notify(notification)
        #expect(id > 0)

        let call = try #require(try await server.waitForNotifyCalls(1).first)
        #expect(call.appName == "Belfry")
        #expect(call.replacesID == 0)
        #expect(call.appIcon == "mail-unread")
        #expect(call.summary == "Build failed")
        #expect(call.body == "<b>main</b> is red")
        #expect(call.actions == ["default", "Open", "mark-read", "Mark read"])
        #expect(call.expireTimeout == 5000)
        #expect(call.returnedID == id)
        #expect(call.hints == [
            "urgency": .byte(2), "category": .string("im.received"), "desktop-entry": .string("belfry"),
            "transient": .bool(true), "image-path": .string("/tmp/icon.png"),
        ])
        #expect(call.hints["urgency"]?.signature == "y")
        #expect(call.hints["transient"]?.signature == "b")
    }

    @Test func submittedPopupsArriveInOrderAndEachGetsItsOwnID() async throws {
        let bus = try PrivateBus()
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address)
        // All sent before any answer is awaited.
        var pending: [PendingPopup] = []
        for n in 0..<50 { pending.append(try await sink.submit(popup("popup \(n)"))) }
        var ids: [UInt32] = []
        for p in pending { ids.append(try await p.id()) }
        let calls = try await server.waitForNotifyCalls(50)
        #expect(calls.map(\.summary) == (0..<50).map { "popup \($0)" })
        #expect(ids == calls.map(\.returnedID))
        #expect(Set(ids).count == 50)
    }

    @Test func onlyTheHintsThatAreSetAreSent() async throws {
        let bus = try PrivateBus()
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address)
        _ = try await sink.notify(popup())
        let call = try #require(try await server.waitForNotifyCalls(1).first)
        #expect(call.hints == ["urgency": .byte(1)])
        #expect(call.actions == [])
        #expect(call.expireTimeout == -1)
    }

    @Test func replacingKeepsTheID() async throws {
        let bus = try PrivateBus()
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address)
        let first = try await sink.notify(popup("3 new"))
        var update = popup("4 new")
        update.replacesID = first
        #expect(try await sink.notify(update) == first)
        let second = try await sink.notify(popup("other"))
        #expect(second != first)
        #expect(try await server.waitForNotifyCalls(3).map(\.replacesID) == [0, first, 0])
    }

    @Test func serverInfoAndCapabilities() async throws {
        let bus = try PrivateBus()
        let info = FakeNotificationServer.Info(name: "dunst", vendor: "knopwob", version: "1.9.0", specVersion: "1.2")
        let server = try await FakeNotificationServer.start(busAddress: bus.address, capabilities: ["body", "actions"], info: info)
        let sink = DBusNotifications(busAddress: bus.address)
        #expect(try await sink.serverInfo() == NotificationServerInfo(
            name: "dunst", vendor: "knopwob", version: "1.9.0", specVersion: "1.2", capabilities: ["body", "actions"]))

        let bus2 = try PrivateBus()
        let server2 = try await FakeNotificationServer.start(busAddress: bus2.address)
        let defaults = try await DBusNotifications(busAddress: bus2.address).serverInfo()
        #expect(defaults.capabilities == ["actions", "body", "body-markup", "persistence"])
        await server.stop()
        await server2.stop()
    }

    @Test func signalsAreDeliveredForOwnIDsOnly() async throws {
        let bus = try PrivateBus()
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address)
        let other = DBusNotifications(busAddress: bus.address)
        let mine = EventRecorder(sink.events)
        let theirs = EventRecorder(other.events)
        let id = try await sink.notify(popup(actions: [NotificationAction(key: "open", label: "Open")]))
        let foreign = try await other.notify(popup("someone else's"))
        #expect(id != foreign)

        try await server.emitActionInvoked(id: foreign, key: "open")
        try await server.emitActivationToken(id: id, token: "xdg-token-1")
        try await server.emitActionInvoked(id: id, key: "open")
        try await server.emitNotificationClosed(id: foreign, reason: 2)
        try await server.emitNotificationClosed(id: id, reason: 2)
        try await server.emitActionInvoked(id: 999, key: "open")

        let events = await mine.wait { $0.contains(.closed(id: id, reason: 2)) }
        #expect(events == [
            .activationToken(id: id, token: "xdg-token-1"), .actionInvoked(id: id, key: "open"),
            .closed(id: id, reason: 2),
        ])
        let otherEvents = await theirs.wait { $0.contains(.closed(id: foreign, reason: 2)) }
        #expect(otherEvents == [.actionInvoked(id: foreign, key: "open"), .closed(id: foreign, reason: 2)])
    }

    @Test func closeCallsCloseNotificationAndTheServerConfirms() async throws {
        let bus = try PrivateBus()
        let server = try await FakeNotificationServer.start(busAddress: bus.address)
        let sink = DBusNotifications(busAddress: bus.address)
        let events = EventRecorder(sink.events)
        let id = try await sink.notify(popup())
        try await sink.close(id: id)
        #expect(server.closeCalls == [id])
        #expect(await events.wait { !$0.isEmpty } == [.closed(id: id, reason: 3)])

        // Not ours (any more): no call at all.
        try await sink.close(id: id)
        try await sink.close(id: 4242)
        #expect(server.closeCalls == [id])
    }
}
