import BelfryCore
import Logging
import ServiceLifecycle
import Synchronization

/// The agent's control socket: JSON-RPC 2.0, one object per line, over a Unix stream socket that
/// only the agent's uid may use. Calls go to a `ControlHandler`; `subscribe` is served here, from
/// the handler's event stream. See docs/control.md for the protocol.
///
/// `init` binds (so a second agent fails before starting anything); `run()` serves until cancelled
/// or shut down gracefully, then closes every connection and removes the socket.
public final class ControlServer: Service, Sendable {
    public struct Configuration: Sendable {
        /// Where the socket lives; see `ControlSocketPath.default(environment:)`.
        public var path: String
        /// Longest request line accepted, without its LF. A longer one is answered with -32600 and
        /// its connection is closed.
        public var maxRequestBytes = 64 * 1024
        /// Unsent `event` bytes one subscriber may have before it is dropped as not reading; also the
        /// unsent output above which a connection's further requests are not read (backpressure).
        /// Replies are never cut: a reply is queued whole, whatever its size.
        public var maxOutputBytes = 1024 * 1024
        /// Connections served at once; further ones are refused with -32001.
        public var maxClients = 64
        /// Requests of one connection handled at once; beyond that its input is not read.
        public var maxRequestsInFlight = 16

        public init(path: String) { self.path = path }
    }

    private enum Phase {
        case bound(ListeningSocket)
        case running
        case finished
    }

    public let configuration: Configuration
    private let handler: any ControlHandler
    private let logger: Logger
    private let phase: Mutex<Phase>

    /// Creates the folder and socket (see `Configuration.path`), replacing a stale socket. Throws
    /// `.alreadyRunning` when another process listens on the path, `.insecurePath` when the folder is
    /// not private to this uid.
    public init(configuration: Configuration, handler: some ControlHandler, logger: Logger) throws(ControlSocketError) {
        precondition(configuration.maxRequestBytes > 0 && configuration.maxOutputBytes > 0)
        precondition(configuration.maxClients > 0 && configuration.maxRequestsInFlight > 0)
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        let listener = try ListeningSocket.open(path: configuration.path, logger: logger)
        phase = Mutex(.bound(listener))
        logger.info("control socket listening", metadata: ["path": "\(configuration.path)"])
    }

    deinit {
        // Bound but never run: do not leave the socket behind.
        phase.withLock { phase in
            if case .bound(let listener) = phase { listener.closeAndRemove() }
        }
    }

    /// Serves until the task is cancelled or the service group shuts down gracefully; then closes
    /// all connections, ends subscriptions and unlinks the socket. Can run once.
    public func run() async throws {
        let listener = try phase.withLock { phase throws(ControlSocketError) -> ListeningSocket in
            guard case .bound(let listener) = phase else {
                throw ControlSocketError(code: .alreadyStarted, message: "the control server already ran")
            }
            phase = .running
            return listener
        }
        defer { phase.withLock { $0 = .finished } }
        let loop: ControlIOLoop
        do {
            loop = try ControlIOLoop(listener: listener, limits: configuration, logger: logger)
            try loop.start()
        } catch {
            listener.closeAndRemove()
            throw error
        }
        await withTaskCancellationOrGracefulShutdownHandler {
            await dispatch(loop)
        } onCancelOrGracefulShutdown: {
            loop.stop()
        }
        // On cancellation `dispatch` returns at once (AsyncStream iteration honours it), before the
        // I/O thread has closed the connections and removed the socket.
        loop.stop()
        await loop.waitUntilFinished()
        logger.info("control socket closed", metadata: ["path": "\(configuration.path)"])
    }

    /// Runs handler calls and subscriptions as child tasks until the I/O thread stops.
    private func dispatch(_ loop: ControlIOLoop) async {
        let handler = self.handler
        await withDiscardingTaskGroup { group in
            var subscriptionEnds: [ClientID: AsyncStream<Void>.Continuation] = [:]
            for await message in loop.inbound {
                switch message {
                case .call(let client, let request):
                    group.addTask { await Self.call(request, from: client, handler: handler, loop: loop) }
                case .subscribe(let client, let request):
                    let (end, endContinuation) = AsyncStream.makeStream(of: Void.self)
                    subscriptionEnds[client] = endContinuation
                    group.addTask {
                        await Self.subscribe(request, from: client, until: end, handler: handler, loop: loop)
                    }
                case .closed(let client):
                    subscriptionEnds.removeValue(forKey: client)?.finish()
                }
            }
            group.cancelAll()
        }
    }

    private static func call(_ request: ControlRequest, from client: ClientID, handler: any ControlHandler, loop: ControlIOLoop) async {
        let line: [UInt8]?
        do {
            let result = try await handler.handle(method: request.method, params: request.params)
            line = request.id.map { JSONRPCLine.result(id: $0, result) }
        } catch {
            line = request.id.map { JSONRPCLine.error(id: $0, error) }
        }
        loop.post(.reply(client, line))
    }

    /// Answers `subscribe`, then forwards the handler's stream as `event` notifications until the
    /// stream ends (the connection is then closed) or the client goes away (`end` finishes).
    private static func subscribe(
        _ request: ControlRequest, from client: ClientID, until end: AsyncStream<Void>,
        handler: any ControlHandler, loop: ControlIOLoop
    ) async {
        let events: AsyncStream<JSONValue>
        do {
            events = try await handler.subscribe(params: request.params)
        } catch {
            // Reset first: the IO loop applies commands in order, so the connection may subscribe
            // again by the time the client reads the refusal (the other order let a quick retry
            // find the connection still marked subscribed).
            loop.post(.subscriptionRefused(client))
            loop.post(.reply(client, request.id.map { JSONRPCLine.error(id: $0, error) }))
            return
        }
        loop.post(.reply(client, request.id.map { JSONRPCLine.result(id: $0, true) }))
        let streamEnded = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in events {
                    loop.post(.event(client, JSONRPCLine.notification(method: "event", params: event)))
                }
                return !Task.isCancelled
            }
            group.addTask {
                for await _ in end {}
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if streamEnded { loop.post(.subscriptionEnded(client)) }
    }
}
