internal import Glibc

/// A private D-Bus connection with an async API. `Sendable`: every operation is queued to the
/// connection's owner thread, which sleeps in `poll()` until the bus or a caller has work, so no
/// caller ever blocks Swift's cooperative pool.
///
/// When the bus goes away, pending and later calls fail with `BusError.Code.disconnected` and signal
/// streams end; the connection is not reopened (connect again for that). Closed on `close()` or
/// when the last reference goes.
public final class BusConnection: Sendable {
    /// The unique name the bus gave this connection (e.g. `:1.42`).
    public let uniqueName: String
    private let mailbox: Mailbox
    private let router: Router

    private init(uniqueName: String, mailbox: Mailbox, router: Router) {
        self.uniqueName = uniqueName
        self.mailbox = mailbox
        self.router = router
    }

    deinit {
        mailbox.post(Job(run: { $0.requestStop() }, cancel: { _ in }))
    }

    /// Connects to the bus at `address` (e.g. `unix:path=/run/user/1000/bus`) and registers (`Hello`).
    public static func connect(address: String) async throws(BusError) -> BusConnection {
        let mailbox = try Mailbox()
        let router = Router()
        let result: Result<String, BusError> = await withCheckedContinuation { continuation in
            do throws(BusError) {
                try OwnerThread.start {
                    let pump: Pump
                    do throws(BusError) {
                        pump = Pump(connection: try PrivateConnection(address: address), mailbox: mailbox, router: router)
                        try pump.install()
                    } catch {
                        _ = mailbox.close()
                        router.close()
                        mailbox.markFinished()
                        continuation.resume(returning: .failure(error))
                        return
                    }
                    continuation.resume(returning: .success(pump.connection.uniqueName))
                    pump.run()
                    mailbox.markFinished()
                }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return BusConnection(uniqueName: try result.get(), mailbox: mailbox, router: router)
    }

    /// Connects to the session bus: `DBUS_SESSION_BUS_ADDRESS`, else `$XDG_RUNTIME_DIR/bus` when
    /// that socket exists (what libdbus and sd-bus fall back to).
    public static func connectSession() async throws(BusError) -> BusConnection {
        try await connect(address: try sessionBusAddress())
    }

    /// The session bus address from the environment, or `connectFailed` when there is none.
    public static func sessionBusAddress() throws(BusError) -> String {
        if let address = getenv("DBUS_SESSION_BUS_ADDRESS").map({ String(cString: $0) }), !address.isEmpty {
            return address
        }
        if let runtime = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), !runtime.isEmpty {
            let path = runtime + "/bus"
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK {
                return "unix:path=" + path
            }
        }
        throw BusError(.connectFailed, "no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist")
    }

    /// False once the connection ended (bus gone or closed).
    public var isConnected: Bool { !router.isClosed }

    /// Closes the connection (queued messages are flushed first) and returns when it is closed.
    public func close() async {
        mailbox.post(Job(run: { $0.requestStop() }, cancel: { _ in }))
        await mailbox.waitUntilFinished()
    }

    // MARK: - Calls

    /// Calls a method and returns the reply's arguments. D-Bus error replies throw `.remote` with
    /// the error name; a lost connection throws `.disconnected`.
    public func call(
        destination: String?, path: String, interface: String?, member: String,
        args: [DBusValue] = [], timeout: Duration = .seconds(25)
    ) async throws(BusError) -> [DBusValue] {
        try await call(MethodTarget(destination: destination, path: path, interface: interface, member: member),
                       args: args, timeout: timeout, onReply: nil)
    }

    /// Sends a method call without waiting for its reply (see `send(_:args:timeout:onReply:)`).
    public func send(
        destination: String?, path: String, interface: String?, member: String,
        args: [DBusValue] = [], timeout: Duration = .seconds(25)
    ) throws(BusError) -> PendingReply {
        try send(MethodTarget(destination: destination, path: path, interface: interface, member: member),
                 args: args, timeout: timeout, onReply: nil)
    }

    /// `call`, with `onReply` run on the owner thread as soon as the reply is read, before any
    /// message that arrived after it is dispatched (so state it records is there for later signals).
    func call(
        _ target: MethodTarget, args: [DBusValue], timeout: Duration,
        onReply: (@Sendable ([DBusValue]) -> Void)?
    ) async throws(BusError) -> [DBusValue] {
        try await send(target, args: args, timeout: timeout, onReply: onReply).value()
    }

    /// Queues a method call at once and returns without waiting for the reply: calls sent one after
    /// another leave in that order, and any number can be in flight (pipelining; a caller that
    /// awaits each reply before the next call pays a full bus round trip per call).
    func send(
        _ target: MethodTarget, args: [DBusValue], timeout: Duration,
        onReply: (@Sendable ([DBusValue]) -> Void)?
    ) throws(BusError) -> PendingReply {
        try target.validate()
        for arg in args { try arg.validateForWire() }
        let milliseconds = Self.milliseconds(timeout)
        let reply = PendingReply()
        mailbox.postOrCancel(Job(run: { pump in
            pump.startCall(target, args: args, timeoutMilliseconds: milliseconds,
                           resume: { reply.resolve($0) }, onReply: onReply)
        }, cancel: { reply.resolve(.failure($0)) }))
        return reply
    }

    /// Emits a signal (broadcast, or unicast to `destination`); returns once libdbus has queued it.
    public func emitSignal(
        path: String, interface: String, member: String, args: [DBusValue] = [], destination: String? = nil
    ) async throws(BusError) {
        try Validate.path(path)
        try Validate.interface(interface)
        try Validate.member(member)
        if let destination { try Validate.busName(destination) }
        for arg in args { try arg.validateForWire() }
        try await perform { pump throws(BusError) in
            try pump.emitSignal(path: path, interface: interface, member: member, destination: destination, args: args)
        }
    }

    // MARK: - The bus's own methods

    /// `RequestName`; by default without queueing.
    public func requestName(_ name: String, flags: NameRequestFlags = .doNotQueue) async throws(BusError) -> NameRequestResult {
        try Validate.busName(name)
        let reply = try await callBus("RequestName", [.string(name), .uint32(flags.rawValue)])
        guard let code = reply.first?.uint32Value, let result = NameRequestResult(rawValue: code) else {
            throw BusError(.unsupportedMessage, "unexpected RequestName reply \(reply)")
        }
        return result
    }

    /// `ReleaseName`.
    public func releaseName(_ name: String) async throws(BusError) {
        try Validate.busName(name)
        _ = try await callBus("ReleaseName", [.string(name)])
    }

    /// `AddMatch`, e.g. `type='signal',interface='org.freedesktop.Notifications'`. Matches belong to
    /// this connection: add them again after reconnecting.
    public func addMatch(_ rule: String) async throws(BusError) {
        _ = try await callBus("AddMatch", [.string(rule)])
    }

    public func removeMatch(_ rule: String) async throws(BusError) {
        _ = try await callBus("RemoveMatch", [.string(rule)])
    }

    /// `NameHasOwner`.
    public func nameHasOwner(_ name: String) async throws(BusError) -> Bool {
        try Validate.busName(name)
        return try await callBus("NameHasOwner", [.string(name)]).first?.boolValue ?? false
    }

    private func callBus(_ member: String, _ args: [DBusValue]) async throws(BusError) -> [DBusValue] {
        try await call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                       interface: "org.freedesktop.DBus", member: member, args: args)
    }

    // MARK: - Incoming

    /// Every signal this connection receives (those its match rules select, and unicast ones), from
    /// now on. The stream ends when the connection does.
    public func signals() -> AsyncStream<DBusSignal> {
        let (stream, continuation) = AsyncStream<DBusSignal>.makeStream()
        let id = router.addObserver { event in
            switch event {
            case .signal(let signal): continuation.yield(signal)
            case .disconnected: continuation.finish()
            }
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [router] _ in router.removeObserver(id) }
        return stream
    }

    /// Registers `observer` to run on the owner thread for every signal and once at the end.
    /// Returns false when the connection already ended. It must not block.
    func observe(_ observer: @escaping @Sendable (BusEvent) -> Void) -> Bool {
        router.addObserver(observer) != nil
    }

    /// Answers method calls to `interface` on `path` with `handler` (run in a task, so it may
    /// await). Calls to anything not served get `UnknownMethod` from libdbus.
    public func serve(
        path: String, interface: String,
        _ handler: @escaping @Sendable (DBusMethodCall) async -> DBusReply
    ) throws(BusError) {
        try Validate.path(path)
        try Validate.interface(interface)
        router.setHandler(path: path, interface: interface, handler)
    }

    public func stopServing(path: String, interface: String) {
        router.setHandler(path: path, interface: interface, nil)
    }

    // MARK: - Plumbing

    /// Runs `body` on the owner thread and returns its result.
    private func perform(_ body: @escaping @Sendable (Pump) throws(BusError) -> Void) async throws(BusError) {
        let result: Result<Void, BusError> = await withCheckedContinuation { continuation in
            mailbox.postOrCancel(Job(run: { pump in
                do throws(BusError) {
                    try body(pump)
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }, cancel: { continuation.resume(returning: .failure($0)) }))
        }
        try result.get()
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        guard seconds < Int64(Int32.max / 1000) else { return Int32.max }
        return Int32(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
