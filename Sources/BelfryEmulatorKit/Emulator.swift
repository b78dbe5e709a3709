import BelfryCore
import FoundationEssentials
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A fake of one provider's notification API over loopback HTTP: the preset's own paths, fields,
/// errors and auth, plus the `/_emulator` admin surface that tests use to add items, mark them
/// read, inject faults and read the call log. See docs/emulator.md.
public final class Emulator: Sendable {
    public let preset: EmulatorPreset
    public let options: EmulatorOptions

    let state = EmulatorState()
    private let runtime = NIOLockedValueBox(Runtime())

    private struct Runtime {
        var stopped = false
        var port: Int?
        var group: ServiceGroup?
        var task: Task<Void, any Error>?
    }

    /// Why `start()` failed: a message naming the address.
    public struct StartError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public init(preset: EmulatorPreset, options: EmulatorOptions = EmulatorOptions()) {
        self.preset = preset
        self.options = options
    }

    /// `http://host:port` once started (port 0 before).
    public var baseURL: String {
        let port = runtime.withLockedValue { $0.port } ?? options.port
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        return "http://\(host):\(port)"
    }

    /// Binds, seeds the sample items and starts serving; returns the bound port. Starting again
    /// while running returns the same port; an emulator is not restarted after `stop()`.
    public func start() async throws -> Int {
        let (stopped, running) = runtime.withLockedValue { ($0.stopped, $0.port) }
        if stopped { throw StartError(description: "this emulator was stopped; make a new one") }
        if let running { return running }
        seed()
        let env = EmulatorEnvironment(state: state, options: options, api: preset.api)
        let router = Self.makeRouter(env: env)
        let (bound, boundContinuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        var logger = Logger(label: "belfry-emulator")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                boundContinuation.yield(.success(channel.localAddress?.port ?? 0))
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            do {
                try await group.run()
                boundContinuation.yield(.failure(StartError(description: "server stopped")))
            } catch {
                boundContinuation.yield(.failure(error))
                throw error
            }
        }
        var iterator = bound.makeAsyncIterator()
        switch await iterator.next() {
        case .success(let port):
            runtime.withLockedValue {
                $0.port = port
                $0.group = group
                $0.task = task
            }
            return port
        case .failure(let error):
            throw StartError(description: "cannot listen on \(options.host):\(options.port): \(error)")
        case nil:
            throw StartError(description: "cannot listen on \(options.host):\(options.port)")
        }
    }

    /// Stops serving: hanging requests are released, open streams end, connections close.
    public func stop() async {
        let (group, task) = runtime.withLockedValue { ($0.group, $0.task) }
        state.beginStopping()
        await group?.triggerGracefulShutdown()
        _ = await task?.result
        runtime.withLockedValue {
            $0.stopped = true
            $0.group = nil
            $0.task = nil
        }
    }

    private func seed() {
        guard options.seed > 0 else { return }
        let api = preset.api
        let now = Date()
        for partial in api.sampleItems(count: options.seed, now: now) {
            if let item = try? api.makeItem(partial, now: now, state: state) {
                state.insert([item], streamEvent: { _ in nil })
            }
        }
    }

    /// The whole app: the admin surface and the preset's API behind the gate. Internal so that tests
    /// can serve it through HummingbirdTesting too.
    static func makeRouter(env: EmulatorEnvironment) -> Router<EmulatorRequestContext> {
        let router = Router(context: EmulatorRequestContext.self)
        router.add(middleware: RedirectMiddleware(env: env))
        router.add(middleware: APIGateMiddleware(env: env))
        router.add(middleware: ConditionalMiddleware(env: env))
        AdminRoutes(env: env).add(to: router)
        HTTPBehaviourRoutes(env: env).add(to: router)
        env.api.addRoutes(to: router, env: env)
        return router
    }
}
