import BelfryCore
import Hummingbird
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

struct TestServerDidNotStart: Error {}

/// Runs `body` against a Hummingbird server on 127.0.0.1 (an ephemeral port), then stops the server.
func withServer<T: Sendable>(
    _ router: Router<BasicRequestContext>,
    _ body: @Sendable (_ baseURL: String) async throws -> T
) async throws -> T {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "belfry-http-tests")
    logger.logLevel = .critical
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: logger
    )
    // Stopped by a graceful shutdown first, which closes the listening socket: cancelling the
    // serving task alone could drop a connection accepted meanwhile but not yet served, and NIO
    // traps on that ("Deinited NIOAsyncWriter without calling finish()", swift-nio#2637; seen here
    // when a client reconnected as a test ended). Handlers that never end are cancelled after 2 s.
    let server = ServiceGroup(configuration: .init(services: [app], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
        group.addTask {
            defer { portContinuation.finish() }
            try await server.run()
        }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        let result: Result<T, any Error>
        if let port = await iterator.next(), port > 0 {
            do { result = .success(try await body("http://127.0.0.1:\(port)")) } catch { result = .failure(error) }
        } else {
            result = .failure(TestServerDidNotStart())
        }
        await server.triggerGracefulShutdown()
        group.addTask { try await Task.sleep(for: .seconds(2)) }
        _ = try? await group.next()  // the server has stopped, or 2 s passed
        return try result.get()
    }
}

/// The value of header `name` in a Hummingbird request (case-insensitive), without importing HTTPTypes.
func field(_ fields: HTTPFields, _ name: String) -> String? {
    fields.first(where: { $0.name.canonicalName == name.lowercased() })?.value
}

/// A TCP socket on 127.0.0.1 for the cases Hummingbird cannot play.
struct RawSocket {
    let fd: Int32
    let port: Int

    struct Failure: Error { let call: String }

    /// Bound to an ephemeral port; listening (`listen`), or not.
    init(listen: Bool) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { Glibc.close(fd); throw Failure(call: "bind") }
        if listen {
            guard Glibc.listen(fd, 16) == 0 else { Glibc.close(fd); throw Failure(call: "listen") }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { Glibc.close(fd); throw Failure(call: "getsockname") }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

/// The `BelfryCore.HTTPError` thrown by `body`, or nil when it did not throw one.
func transportError(_ body: () async throws -> Void) async -> BelfryCore.HTTPError? {
    do {
        try await body()
        return nil
    } catch let error as BelfryCore.HTTPError {
        return error
    } catch {
        return nil
    }
}

extension Array where Element == HTTPStreamPart {
    /// The body bytes of all `.bytes` parts, concatenated.
    var body: [UInt8] {
        flatMap { part -> [UInt8] in
            if case .bytes(let bytes) = part { return bytes }
            return []
        }
    }

    var headCount: Int {
        count(where: { if case .head = $0 { true } else { false } })
    }
}
