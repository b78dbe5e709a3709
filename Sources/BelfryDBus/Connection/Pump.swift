internal import CDBus
internal import Glibc

/// The owner thread's side of a connection: the loop (jobs, dispatch, `poll()` through
/// `LoopSources`), the filter for incoming messages, and pending calls. Lives on the owner thread only.
/// Where a method call's outcome goes; called exactly once, on the owner thread.
typealias ReplyHandler = @Sendable (Result<[DBusValue], BusError>) -> Void

final class Pump {
    let connection: PrivateConnection
    private let mailbox: Mailbox
    private let router: Router

    private struct PendingEntry {
        var call: OpaquePointer
        var resume: ReplyHandler
        var onReply: (@Sendable ([DBusValue]) -> Void)?
    }

    private let sources = LoopSources()
    private var pending: [Int: PendingEntry] = [:]
    private var nextToken = 1
    private var stopRequested = false
    private var sawDisconnected = false

    init(connection: PrivateConnection, mailbox: Mailbox, router: Router) {
        self.connection = connection
        self.mailbox = mailbox
        self.router = router
    }

    /// Hooks this pump into libdbus. `self` is passed unretained: the pump outlives the connection
    /// (it owns it and removes the hooks in `teardown`).
    func install() throws(BusError) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        let raw = connection.raw
        try sources.install(on: raw)
        guard dbus_connection_add_filter(raw, pumpFilter, me, nil) != 0 else {
            sources.uninstall(from: raw)
            throw BusError(.connectFailed, "libdbus: cannot add filter")
        }
    }

    fileprivate static func from(_ data: UnsafeMutableRawPointer?) -> Pump {
        Unmanaged<Pump>.fromOpaque(data!).takeUnretainedValue()
    }

    // MARK: - The loop

    func run() {
        while true {
            for job in mailbox.takeJobs() { job.run(self) }
            while dbus_connection_dispatch(connection.raw) == DBUS_DISPATCH_DATA_REMAINS {}
            if stopRequested || sawDisconnected || !connection.isConnected { break }
            guard sources.pollOnce(wakeFD: mailbox.eventFD, onWake: mailbox.drainWakeups) else { break }
        }
        teardown()
    }

    // MARK: - Incoming messages

    fileprivate func filter(_ raw: OpaquePointer) -> DBusHandlerResult {
        let type = dbus_message_get_type(raw)
        if type == DBUS_MESSAGE_TYPE_SIGNAL {
            if dbus_message_is_signal(raw, "org.freedesktop.DBus.Local", "Disconnected") != 0 {
                sawDisconnected = true
                return DBUS_HANDLER_RESULT_HANDLED
            }
            deliverSignal(raw)
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }
        if type == DBUS_MESSAGE_TYPE_METHOD_CALL {
            return serveMethodCall(raw)
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
    }

    private func deliverSignal(_ raw: OpaquePointer) {
        guard let path = dbus_message_get_path(raw), let interface = dbus_message_get_interface(raw),
              let member = dbus_message_get_member(raw),
              let args = try? MessageReader.read(raw)  // a signal we cannot read is nobody's business
        else { return }
        router.deliver(DBusSignal(
            sender: dbus_message_get_sender(raw).map { String(cString: $0) },
            path: String(cString: path), interface: String(cString: interface),
            member: String(cString: member), args: args))
    }

    /// Hands a call for a served object to its handler (in arrival order); the reply comes back as a job.
    /// Calls nobody serves are left to libdbus, which answers UnknownMethod.
    private func serveMethodCall(_ raw: OpaquePointer) -> DBusHandlerResult {
        guard let path = dbus_message_get_path(raw).map({ String(cString: $0) }),
              let interface = dbus_message_get_interface(raw).map({ String(cString: $0) }),
              let member = dbus_message_get_member(raw).map({ String(cString: $0) }),
              let handler = router.handler(path: path, interface: interface)
        else { return DBUS_HANDLER_RESULT_NOT_YET_HANDLED }
        var call = DBusMethodCall(
            sender: dbus_message_get_sender(raw).map { String(cString: $0) }, path: path,
            interface: interface, member: member, args: [],
            serial: dbus_message_get_serial(raw), noReplyExpected: dbus_message_get_no_reply(raw) != 0)
        do {
            call.args = try MessageReader.read(raw)
        } catch {
            send(reply: .error(name: BusError.Names.invalidArgs, message: error.message), to: call)
            return DBUS_HANDLER_RESULT_HANDLED
        }
        servedCalls.yield((call, handler))
        return DBUS_HANDLER_RESULT_HANDLED
    }

    /// Served calls go to their handlers one at a time, in the order they arrived (as a real
    /// notification server takes them); a task per call ran them in any order under load.
    private lazy var servedCalls: AsyncStream<(DBusMethodCall, MethodHandler)>.Continuation = {
        let (stream, continuation) = AsyncStream<(DBusMethodCall, MethodHandler)>.makeStream()
        let mailbox = self.mailbox
        Task {
            for await (call, handler) in stream {
                let reply = await handler(call)
                mailbox.post(Job(run: { pump in pump.send(reply: reply, to: call) }, cancel: { _ in }))
            }
        }
        return continuation
    }()

    private func send(reply: DBusReply, to call: DBusMethodCall) {
        guard !call.noReplyExpected else { return }
        let message: Message
        do {
            message = try Message.reply(reply, to: call)
        } catch {
            // The handler's values were not valid D-Bus: answer with an error instead.
            guard let fallback = try? Message.reply(
                .error(name: BusError.Names.failed, message: error.message), to: call) else { return }
            message = fallback
        }
        _ = dbus_connection_send(connection.raw, message.raw, nil)
    }

    // MARK: - Jobs from the façade

    func requestStop() {
        stopRequested = true
    }

    /// Sends a method call; `resume` is called once, with the reply's args or an error.
    /// `onReply` runs here on the owner thread first, before later messages are dispatched.
    func startCall(
        _ target: MethodTarget, args: [DBusValue], timeoutMilliseconds: Int32,
        resume: @escaping ReplyHandler,
        onReply: (@Sendable ([DBusValue]) -> Void)?
    ) {
        let message: Message
        do throws(BusError) {
            message = try Message.methodCall(target)
            try message.append(args)
        } catch {
            resume(.failure(error))
            return
        }
        var call: OpaquePointer?
        guard dbus_connection_send_with_reply(connection.raw, message.raw, &call, timeoutMilliseconds) != 0 else {
            resume(.failure(Message.outOfMemory))
            return
        }
        guard let call else {
            resume(.failure(BusError(.disconnected, "the D-Bus connection is closed")))
            return
        }
        let token = nextToken
        nextToken += 1
        pending[token] = PendingEntry(call: call, resume: resume, onReply: onReply)
        let context = Unmanaged.passRetained(PendingContext(pump: self, token: token)).toOpaque()
        let armed = dbus_pending_call_set_notify(call, { _, data in
            let context = Unmanaged<PendingContext>.fromOpaque(data!).takeUnretainedValue()
            context.pump.completeCall(token: context.token)
        }, context, { data in
            Unmanaged<PendingContext>.fromOpaque(data!).release()
        })
        if armed == 0 {
            Unmanaged<PendingContext>.fromOpaque(context).release()
            failCall(token: token, BusError(.invalidArgument, "libdbus ran out of memory arming a call"))
        }
    }

    private func completeCall(token: Int) {
        guard let entry = pending.removeValue(forKey: token) else { return }
        let stolen = dbus_pending_call_steal_reply(entry.call)
        dbus_pending_call_unref(entry.call)
        guard let stolen else {
            entry.resume(.failure(BusError(.disconnected, "no reply")))
            return
        }
        let reply = Message.adopting(stolen)
        if reply.type == DBUS_MESSAGE_TYPE_ERROR {
            var error = errorFromReply(reply.raw)
            // libdbus answers pending calls with NoReply when the connection drops.
            if !connection.isConnected || sawDisconnected {
                error = BusError(.disconnected, name: error.name, "the D-Bus connection was lost: \(error.message)")
            }
            entry.resume(.failure(error))
            return
        }
        do throws(BusError) {
            let values = try MessageReader.read(reply.raw)
            entry.onReply?(values)
            entry.resume(.success(values))
        } catch {
            entry.resume(.failure(error))
        }
    }

    private func failCall(token: Int, _ error: BusError) {
        guard let entry = pending.removeValue(forKey: token) else { return }
        dbus_pending_call_cancel(entry.call)
        dbus_pending_call_unref(entry.call)
        entry.resume(.failure(error))
    }

    func emitSignal(
        path: String, interface: String, member: String, destination: String?, args: [DBusValue]
    ) throws(BusError) {
        guard connection.isConnected else { throw BusError(.disconnected, "the D-Bus connection is closed") }
        let message = try Message.signal(path: path, interface: interface, member: member)
        if let destination { try message.setDestination(destination) }
        try message.append(args)
        guard dbus_connection_send(connection.raw, message.raw, nil) != 0 else { throw Message.outOfMemory }
    }

    // MARK: - The end

    /// Fails what is pending, ends observers, refuses further jobs, closes and unrefs the connection.
    private func teardown() {
        let lost = BusError(.disconnected, "the D-Bus connection was closed")
        for token in Array(pending.keys) { failCall(token: token, lost) }
        for job in mailbox.close() { job.cancel(lost) }
        servedCalls.finish()
        router.close()
        let raw = connection.raw
        dbus_connection_remove_filter(raw, pumpFilter, Unmanaged.passUnretained(self).toOpaque())
        connection.close()
        sources.uninstall(from: raw)
    }
}

/// What a pending call's notify callback needs: the pump (kept alive by libdbus's reference) and
/// the call's token in the pending table.
private final class PendingContext {
    let pump: Pump
    let token: Int
    init(pump: Pump, token: Int) {
        self.pump = pump
        self.token = token
    }
}

/// The connection's one filter; a single function so `dbus_connection_remove_filter` can find it.
private let pumpFilter: DBusHandleMessageFunction = { _, message, data in
    Pump.from(data).filter(message!)
}
