internal import CBelfryLinux
internal import Glibc
import BelfryCore
import Logging
import Synchronization

/// The control socket's I/O: one dedicated thread polls the listener, every client and an eventfd,
/// over non-blocking descriptors. It frames and validates request lines and hands requests to the
/// async side through `inbound`; replies come back through `post(_:)`. Nothing here blocks, and
/// the thread sleeps in poll(2) with no timeout when idle.
///
/// Thread ownership: everything but `mailbox`, `wakeFD` and `inbound` belongs to the I/O thread.
final class ControlIOLoop: @unchecked Sendable {
    /// From the async side to the I/O thread.
    enum Command: Sendable {
        /// Completes one in-flight request; nil bytes for a notification (nothing to send).
        case reply(ClientID, [UInt8]?)
        case event(ClientID, [UInt8])
        /// The handler refused `subscribe`: the connection may try again.
        case subscriptionRefused(ClientID)
        /// The handler finished the event stream: close the connection once its output is sent.
        case subscriptionEnded(ClientID)
    }

    /// From the I/O thread to the async side.
    enum Inbound: Sendable {
        case call(ClientID, ControlRequest)
        case subscribe(ClientID, ControlRequest)
        /// A subscribed connection is gone: stop its subscription.
        case closed(ClientID)
    }

    let inbound: AsyncStream<Inbound>
    private let inboundContinuation: AsyncStream<Inbound>.Continuation

    private struct Mailbox {
        var commands: [Command] = []
        var stopping = false
        /// The wake-up descriptor is closed: posting is a no-op (its number may be reused).
        var closed = false
        /// `run()` waiting for the thread to finish its cleanup.
        var finishWaiter: CheckedContinuation<Void, Never>?
    }
    private let mailbox = Mutex(Mailbox())
    private let wakeFD: Int32

    private let listener: ListeningSocket
    private let limits: ControlServer.Configuration
    private let logger: Logger
    private let ownUID = geteuid()
    private var clients: [ClientID: ClientConnection] = [:]
    private var nextClientID: ClientID = 1
    private var acceptPaused = false
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(listener: ListeningSocket, limits: ControlServer.Configuration, logger: Logger) throws(ControlSocketError) {
        do { wakeFD = try systemCall("eventfd", belfry_eventfd()) } catch { throw error.socketError() }
        self.listener = listener
        self.limits = limits
        self.logger = logger
        (inbound, inboundContinuation) = AsyncStream.makeStream(of: Inbound.self)
    }

    /// Starts the I/O thread. On failure nothing is left open but the listener, which stays the caller's.
    func start() throws(ControlSocketError) {
        let rc = DetachedThread.start(name: "belfry-control") { self.runLoop() }
        guard rc == 0 else {
            close(wakeFD)
            throw SystemCallError(operation: "pthread_create", errno: rc).socketError()
        }
    }

    /// Queues a command for the I/O thread; safe from any thread, never blocks.
    func post(_ command: Command) {
        mailbox.withLock { mailbox in
            guard !mailbox.closed else { return }
            mailbox.commands.append(command)
            wake()
        }
    }

    /// Makes the I/O thread close every connection, remove the socket and finish `inbound`.
    func stop() {
        mailbox.withLock { mailbox in
            guard !mailbox.closed else { return }
            mailbox.stopping = true
            wake()
        }
    }

    /// Returns once the thread closed everything and removed the socket. Not cancellable on
    /// purpose: the caller must not return before the socket is gone.
    func waitUntilFinished() async {
        await withCheckedContinuation { continuation in
            let done = mailbox.withLock { mailbox in
                if mailbox.closed { return true }
                mailbox.finishWaiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Called with the mailbox locked, so the descriptor cannot be closed meanwhile.
    private func wake() {
        var one: UInt64 = 1
        // EAGAIN means the counter is already non-zero: the thread wakes up anyway.
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
    }

    // MARK: - The I/O thread

    private func runLoop() {
        var order: [ClientID] = []
        var fds: [pollfd] = []
        loop: while true {
            order.removeAll(keepingCapacity: true)
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0))
            // A negative descriptor is skipped by poll(2): that is how accepting pauses.
            fds.append(pollfd(fd: acceptPaused ? -1 : listener.fd, events: Int16(POLLIN), revents: 0))
            for (id, client) in clients {
                order.append(id)
                fds.append(pollfd(fd: client.fd, events: client.pollEvents(maxInFlight: limits.maxRequestsInFlight, maxOutput: limits.maxOutputBytes), revents: 0))
            }
            do {
                try systemCall("poll", poll(&fds, nfds_t(fds.count), -1))
            } catch {
                logger.critical("control socket poll failed; closing the control socket", metadata: ["error": "\(error)"])
                break loop
            }
            if fds[0].revents != 0 {
                var counter: UInt64 = 0
                _ = withUnsafeMutableBytes(of: &counter) { read(wakeFD, $0.baseAddress, 8) }
                if !applyMailbox() { break loop }
            }
            if fds[1].revents != 0 { acceptClients() }
            for (index, id) in order.enumerated() where fds[index + 2].revents != 0 {
                if let client = clients[id] { service(client, events: Int32(fds[index + 2].revents)) }
            }
        }
        shutDown()
    }

    /// Applies queued commands; false once `stop()` was called.
    private func applyMailbox() -> Bool {
        let (commands, stopping) = mailbox.withLock { mailbox in
            defer { mailbox.commands.removeAll() }
            return (mailbox.commands, mailbox.stopping)
        }
        var touched: Set<ClientID> = []
        for command in commands {
            switch command {
            case .reply(let id, let bytes):
                guard let client = clients[id] else { continue }
                client.inFlight -= 1
                if let bytes { enqueue(bytes, to: client, as: .reply) }
                touched.insert(id)
            case .event(let id, let bytes):
                guard let client = clients[id] else { continue }
                enqueue(bytes, to: client, as: .event)
                touched.insert(id)
            case .subscriptionRefused(let id):
                clients[id]?.subscribed = false
            case .subscriptionEnded(let id):
                guard let client = clients[id] else { continue }
                client.closeWhenFlushed = true
                touched.insert(id)
            }
        }
        if stopping { return false }
        for id in touched {
            guard let client = clients[id] else { continue }
            // A finished request (or sent output) may have been what held further lines back.
            processInput(client)
            settle(client)
        }
        return true
    }

    private func service(_ client: ClientConnection, events: Int32) {
        if events & (POLLERR | POLLNVAL) != 0 {
            disconnect(client, reason: "socket error")
            return
        }
        if events & POLLOUT != 0 {
            flush(client)
            guard clients[client.id] != nil else { return }
        }
        if events & POLLIN != 0 {
            readAvailable(client)
            guard clients[client.id] != nil else { return }
        } else if events & POLLHUP != 0 {
            // Both directions are shut and we are not reading: nothing can be delivered any more.
            disconnect(client, reason: "peer hung up")
            return
        }
        processInput(client)
        settle(client)
    }

    /// Sends what can be sent, then closes the connection if it has nothing left to do.
    private func settle(_ client: ClientConnection) {
        guard clients[client.id] != nil else { return }
        if client.pendingOutput > 0 { flush(client) }
        guard clients[client.id] != nil, client.pendingOutput == 0 else { return }
        if client.closeWhenFlushed || (client.readClosed && client.inFlight == 0 && !client.subscribed) {
            disconnect(client, reason: client.closeWhenFlushed ? "closed by the server" : "peer finished")
        }
    }

    // MARK: Accepting

    private func acceptClients() {
        while true {
            let fd: Int32
            do {
                fd = try systemCall("accept", belfry_accept(listener.fd))
            } catch {
                if error.isWouldBlock { return }
                if error.errno == ECONNABORTED || error.errno == EPROTO { continue }
                // Out of descriptors or memory: poll would report the listener again at once.
                logger.error(
                    "cannot accept control connections; waiting until a client leaves",
                    metadata: ["error": "\(error)"])
                acceptPaused = true
                return
            }
            var peer = belfry_peer_credentials()
            do {
                try systemCall("getsockopt SO_PEERCRED", belfry_peer_credentials_get(fd, &peer))
            } catch {
                logger.warning("closed a control connection whose peer is unknown", metadata: ["error": "\(error)"])
                close(fd)
                continue
            }
            if peer.uid != ownUID {
                logger.warning(
                    "refused a control connection from another uid",
                    metadata: ["peer_uid": "\(peer.uid)", "peer_pid": "\(peer.pid)"])
                refuse(fd, ControlError(
                    code: ControlError.Code.permissionDenied,
                    message: "permission denied: only uid \(ownUID) may use this control socket"))
                continue
            }
            if clients.count >= limits.maxClients {
                logger.warning(
                    "refused a control connection: too many clients",
                    metadata: ["limit": "\(limits.maxClients)", "peer_pid": "\(peer.pid)"])
                refuse(fd, ControlError(
                    code: ControlError.Code.tooManyClients, message: "too many control connections (limit \(limits.maxClients))"))
                continue
            }
            let client = ClientConnection(id: nextClientID, fd: fd, pid: peer.pid)
            nextClientID += 1
            clients[client.id] = client
            logger.debug("control client connected", metadata: client.metadata)
        }
    }

    /// Best effort: one non-blocking send of an error line, then close.
    private func refuse(_ fd: Int32, _ error: ControlError) {
        let line = JSONRPCLine.error(id: .null, error)
        _ = try? systemCall("send", line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) })
        close(fd)
    }

    // MARK: Reading and framing

    private func readAvailable(_ client: ClientConnection) {
        let count: Int
        do {
            count = try systemCall("read", readBuffer.withUnsafeMutableBytes { read(client.fd, $0.baseAddress, $0.count) })
        } catch {
            if error.isWouldBlock { return }
            disconnect(client, reason: error.errno == ECONNRESET ? "peer reset the connection" : "\(error)")
            return
        }
        if count == 0 {
            client.readClosed = true
        } else {
            client.input.append(contentsOf: readBuffer[0..<count])
        }
    }

    /// Consumes complete lines while the client may have more requests in flight and is reading
    /// what it was sent (see `ClientConnection.acceptsRequests`).
    private func processInput(_ client: ClientConnection) {
        while clients[client.id] != nil,
            client.acceptsRequests(maxInFlight: limits.maxRequestsInFlight, maxOutput: limits.maxOutputBytes)
        {
            let unread = client.input[client.inputStart...]
            let end: Int
            if let newline = unread.firstIndex(of: UInt8(ascii: "\n")) {
                end = newline
            } else if unread.count > limits.maxRequestBytes {
                requestTooLarge(client)
                return
            } else if client.readClosed && !unread.isEmpty {
                end = client.input.count  // a last line without LF before EOF still counts
            } else {
                break
            }
            var line = client.input[client.inputStart..<end]
            client.inputStart = min(end + 1, client.input.count)
            if line.count > limits.maxRequestBytes {
                requestTooLarge(client)
                return
            }
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            handle(line: line, from: client)
        }
        guard clients[client.id] != nil, client.inputStart > 0 else { return }
        client.input.removeFirst(client.inputStart)
        client.inputStart = 0
    }

    private func handle(line: ArraySlice<UInt8>, from client: ClientConnection) {
        switch ParsedLine(line: line) {
        case .invalid(let id, let error):
            enqueue(JSONRPCLine.error(id: id, error), to: client, as: .reply)
        case .request(let request) where request.method == "subscribe":
            if client.subscribed {
                if let id = request.id {
                    enqueue(
                        JSONRPCLine.error(id: id, .invalidRequest("invalid request: already subscribed on this connection")),
                        to: client, as: .reply)
                }
                return
            }
            client.subscribed = true
            client.inFlight += 1
            inboundContinuation.yield(.subscribe(client.id, request))
        case .request(let request):
            client.inFlight += 1
            inboundContinuation.yield(.call(client.id, request))
        }
    }

    private func requestTooLarge(_ client: ClientConnection) {
        logger.warning(
            "control request over the size limit; closing the connection",
            metadata: client.metadata.merging(["limit": "\(limits.maxRequestBytes)"]) { a, _ in a })
        client.input = []
        client.inputStart = 0
        client.readClosed = true
        enqueue(
            JSONRPCLine.error(
                id: .null, .invalidRequest("request too large: a request line may have at most \(limits.maxRequestBytes) bytes")),
            to: client, as: .reply)
        client.closeWhenFlushed = true
    }

    // MARK: Writing

    /// Queues a line. A reply is always queued whole, whatever its size: a client that does not
    /// read its replies is bounded by not reading its further requests (`acceptsRequests`). An
    /// event is unsolicited: a subscriber whose unsent events would exceed `maxOutputBytes` has
    /// stopped reading (a stuck bar) and is dropped.
    private func enqueue(_ bytes: [UInt8], to client: ClientConnection, as kind: OutgoingQueue.Kind) {
        if kind == .event, client.output.pendingEvents + bytes.count > limits.maxOutputBytes {
            logger.warning(
                "dropped a control client that does not read: its outgoing buffer is full",
                metadata: client.metadata.merging(["limit": "\(limits.maxOutputBytes)"]) { a, _ in a })
            disconnect(client, reason: "outgoing buffer overflow")
            return
        }
        client.output.append(bytes, kind: kind)
    }

    private func flush(_ client: ClientConnection) {
        while true {
            let result = client.output.withNextBytes { buffer in
                Result { () throws(SystemCallError) -> Int in
                    try systemCall("send", send(client.fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)))
                }
            }
            guard let result else { return }
            switch result {
            case .success(let sent):
                client.output.consume(sent)
            case .failure(let error):
                if error.isWouldBlock { return }
                disconnect(client, reason: error.errno == EPIPE || error.errno == ECONNRESET ? "peer went away" : "\(error)")
                return
            }
        }
    }

    private func disconnect(_ client: ClientConnection, reason: String) {
        guard clients.removeValue(forKey: client.id) != nil else { return }
        if client.readClosed && client.closeWhenFlushed { discardUnread(client.fd) }
        close(client.fd)
        acceptPaused = false
        if client.subscribed { inboundContinuation.yield(.closed(client.id)) }
        logger.debug("control client disconnected", metadata: client.metadata.merging(["reason": "\(reason)"]) { a, _ in a })
    }

    /// Closing a Unix stream socket with unread data makes the peer's next read fail with
    /// ECONNRESET; read away what is already queued so it sees our error line and then EOF.
    private func discardUnread(_ fd: Int32) {
        for _ in 0..<16 {
            guard let count = try? systemCall("read", readBuffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }),
                count > 0
            else { return }
        }
    }

    private func shutDown() {
        for client in Array(clients.values) {
            flush(client)
            if clients[client.id] != nil { disconnect(client, reason: "server stopping") }
        }
        listener.closeAndRemove()
        inboundContinuation.finish()
        let waiter = mailbox.withLock { mailbox in
            mailbox.closed = true
            mailbox.commands.removeAll()
            close(wakeFD)
            return mailbox.finishWaiter.take()
        }
        waiter?.resume()
    }
}
