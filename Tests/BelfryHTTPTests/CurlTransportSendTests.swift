import BelfryCore
import BelfryHTTP
import Hummingbird
import Testing

// Hummingbird exports its own HTTPRequest/HTTPResponse; these are Belfry's.
typealias Request = BelfryCore.HTTPRequest
typealias Response = BelfryCore.HTTPResponse

@Suite("CurlTransport.send", .timeLimit(.minutes(1)))
struct CurlTransportSendTests {
    @Test func getSendsCustomHeaders() async throws {
        let router = Router()
        router.get("/headers") { request, _ -> String in
            let seen = ["x-test", "authorization", "user-agent"].map { field(request.headers, $0) ?? "-" }
            return "\(request.method)|" + seen.joined(separator: "|")
        }
        let transport = try CurlTransport()
        let response = try await withServer(router) { base in
            try await transport.send(Request(
                url: base + "/headers",
                headers: [HTTPHeader("X-Test", "hello"), HTTPHeader("Authorization", "Bearer secret")]))
        }
        #expect(response.status == 200)
        #expect(response.body.text == "GET|hello|Bearer secret|belfry/0.1")
        #expect(response.header("content-length") == "\(response.body.count)")
    }

    /// Echoes what the server saw: method, Content-Type, Content-Length and the body.
    private static func echoRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/echo") { request, _ -> String in
            let body = try await request.body.collect(upTo: 1 << 20)
            let type = field(request.headers, "content-type") ?? "none"
            let length = field(request.headers, "content-length") ?? "none"
            return "\(request.method)|\(type)|\(length)|\(String(buffer: body))"
        }
        return router
    }

    @Test func postSendsJSONBody() async throws {
        let json = #"{"ids":["ntf_1","ntf_2"],"read":true}"#
        let transport = try CurlTransport()
        let response = try await withServer(Self.echoRouter()) { base in
            try await transport.send(Request(
                method: "POST", url: base + "/echo",
                headers: [HTTPHeader("Content-Type", "application/json")], body: Array(json.utf8)))
        }
        #expect(response.status == 200)
        #expect(response.body.text == "POST|application/json|\(json.utf8.count)|\(json)")
    }

    @Test func postWithoutBodySendsZeroLength() async throws {
        let transport = try CurlTransport()
        let response = try await withServer(Self.echoRouter()) { base in
            try await transport.send(Request(method: "POST", url: base + "/echo"))
        }
        #expect(response.status == 200)
        // No body, no libcurl form Content-Type, and an explicit zero length.
        #expect(response.body.text == "POST|none|0|")
    }

    @Test func nonSuccessStatusesAndRetryAfterPassThrough() async throws {
        let router = Router()
        router.get("/limited") { _, _ in
            Hummingbird.Response(
                status: .tooManyRequests, headers: [.retryAfter: "120"],
                body: .init(byteBuffer: ByteBuffer(string: "slow down")))
        }
        let transport = try CurlTransport()
        let (limited, missing) = try await withServer(router) { base in
            (try await transport.send(Request(url: base + "/limited")),
             try await transport.send(Request(url: base + "/missing")))
        }
        #expect(limited.status == 429)
        #expect(limited.header("Retry-After") == "120")
        #expect(limited.body.text == "slow down")
        #expect(missing.status == 404)
    }

    @Test func redirectsAreReturnedNotFollowed() async throws {
        let router = Router()
        router.get("/moved") { _, _ in
            Hummingbird.Response(status: .found, headers: [.location: "http://127.0.0.1:9/elsewhere"])
        }
        let transport = try CurlTransport()
        let response = try await withServer(router) { base in
            try await transport.send(Request(url: base + "/moved"))
        }
        #expect(response.status == 302)
        #expect(response.header("location") == "http://127.0.0.1:9/elsewhere")
    }

    @Test func silentServerTimesOutWithoutLeakingSecrets() async throws {
        // The kernel completes the TCP handshake for a listening socket; nobody ever answers.
        let silent = try RawSocket(listen: true)
        defer { silent.close() }
        let transport = try CurlTransport()
        let error = await transportError {
            _ = try await transport.send(Request(
                url: "http://127.0.0.1:\(silent.port)/feed?access_token=QUERY-SECRET",
                headers: [HTTPHeader("Authorization", "Bearer HEADER-SECRET")],
                timeout: .milliseconds(300)))
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("HEADER-SECRET") == false)
        #expect(error?.message.contains("QUERY-SECRET") == false)
        #expect(error?.message.contains("127.0.0.1:\(silent.port)") == true)
    }

    @Test func refusedConnectionIsConnectError() async throws {
        let closed = try RawSocket(listen: false)
        closed.close()
        let transport = try CurlTransport()
        let error = await transportError {
            _ = try await transport.send(Request(url: "http://127.0.0.1:\(closed.port)/", timeout: .seconds(5)))
        }
        #expect(error?.code == .connect)
    }

    @Test(arguments: [nil, "/nonexistent/belfry-ca.pem"])
    func httpsToAPlainServerIsATLSError(caFile: String?) async throws {
        let router = Router()
        router.get("/") { _, _ in "plain" }
        let transport = try CurlTransport()
        let error = try await withServer(router) { base in
            await transportError {
                _ = try await transport.send(Request(
                    url: base.replacingHTTPWithHTTPS + "/", timeout: .seconds(5),
                    security: HTTPSecurity(caFile: caFile)))
            }
        }
        #expect(error?.code == .tls)
    }

    @Test func otherSchemesAreRefused() async throws {
        let transport = try CurlTransport()
        let error = await transportError {
            _ = try await transport.send(Request(url: "file:///etc/passwd"))
        }
        #expect(error?.code == .protocolError)
    }

    @Test func headerValuesWithLineBreaksAreRejected() async throws {
        let transport = try CurlTransport()
        let error = await transportError {
            _ = try await transport.send(Request(
                url: "http://127.0.0.1:9/", headers: [HTTPHeader("Authorization", "Bearer x\r\nX-Evil: 1")]))
        }
        #expect(error != nil)
        #expect(error?.message.contains("Bearer") == false)
    }

    @Test(arguments: ["/sized", "/chunked"])
    func bodyOverLimitIsTooLarge(path: String) async throws {
        let payload = ByteBuffer(repeating: UInt8(ascii: "a"), count: 64 * 1024)
        let router = Router()
        router.get("/sized") { _, _ in Hummingbird.Response(status: .ok, body: .init(byteBuffer: payload)) }
        router.get("/chunked") { _, _ in
            // No Content-Length: only the write callback can see the size.
            Hummingbird.Response(status: .ok, body: .init { writer in
                for _ in 0..<8 { try await writer.write(payload) }
                try await writer.finish(nil)
            })
        }
        let transport = try CurlTransport()
        let (overLimit, atLimit) = try await withServer(router) { base in
            let overLimit = await transportError {
                _ = try await transport.send(Request(url: base + path, maxBodyBytes: 1000))
            }
            let atLimit = try await transport.send(Request(url: base + "/sized", maxBodyBytes: 64 * 1024))
            return (overLimit, atLimit)
        }
        #expect(overLimit?.code == .tooLarge)
        #expect(atLimit.body.count == 64 * 1024)
    }

    @Test func twentyConcurrentRequestsEachGetTheirOwnResponse() async throws {
        let router = Router()
        router.get("/number/:n") { _, context -> String in
            "n=" + (context.parameters.get("n") ?? "?")
        }
        let transport = try CurlTransport()
        let bodies = try await withServer(router) { base in
            try await withThrowingTaskGroup(of: (Int, String).self, returning: [Int: String].self) { group in
                for n in 0..<20 {
                    group.addTask {
                        let response = try await transport.send(Request(url: base + "/number/\(n)"))
                        return (n, "\(response.status) " + response.body.text)
                    }
                }
                var bodies: [Int: String] = [:]
                for try await (n, body) in group { bodies[n] = body }
                return bodies
            }
        }
        #expect(bodies.count == 20)
        for n in 0..<20 { #expect(bodies[n] == "200 n=\(n)") }
    }

    @Test func cancellingASlowSendEndsItPromptly() async throws {
        let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
        let router = Router()
        router.get("/slow") { _, _ -> String in
            arrived.yield()
            try await Task.sleep(for: .seconds(20))
            return "too late"
        }
        let transport = try CurlTransport()
        let error = try await withServer(router) { base in
            let request = Task {
                await transportError {
                    _ = try await transport.send(Request(url: base + "/slow", timeout: .seconds(30)))
                }
            }
            // Cancel only once the request is in flight on the server.
            for await _ in arrivals { break }
            request.cancel()
            return await request.value
        }
        // Without prompt cancellation this would be a response after 20 s, not an error.
        #expect(error?.code == .cancelled)
    }

    @Test func alreadyCancelledTaskDoesNotSend() async throws {
        let transport = try CurlTransport()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await transportError {
                _ = try await transport.send(Request(url: "http://127.0.0.1:9/", timeout: .seconds(5)))
            }
        }
        #expect(await task.value?.code == .cancelled)
    }
}

extension String {
    var replacingHTTPWithHTTPS: String { "https" + dropFirst("http".count) }
}
