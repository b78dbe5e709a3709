import BelfryCore
import BelfryEmulatorKit
import BelfryHTTP
import Foundation
import Synchronization

/// Issue 15: an hour of polling an unchanged paged feed (3 pages) whose service sends ETag /
/// Last-Modified and `X-Poll-Interval: 60`, on virtual time: the provider client and the poll
/// interval rule the agent uses (`ListHead.nextPoll`), against the visual-layer emulator over loopback
/// through libcurl. Each poll is sent at once; only the clock between them is simulated.
struct PoliteCost {
    struct Result {
        var polls = 0
        var firstListing = (requests: 0, bytes: 0)
        /// After the first listing.
        var requests = 0
        var bodyBytes = 0
        /// Answers that cost rate limit (GitHub: a 304 costs none).
        var units = 0
    }

    var hour: Duration = .seconds(3600)
    var configured: Duration = .seconds(30)

    /// Counts what crosses the wire.
    final class Counting: HTTPTransport {
        let base: any HTTPTransport
        let totals = Mutex((requests: 0, bytes: 0, units: 0))
        init(_ base: any HTTPTransport) { self.base = base }
        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            let r = try await base.send(request)
            totals.withLock {
                $0.requests += 1
                $0.bytes += r.body.count
                if r.status != 304 { $0.units += 1 }
            }
            return r
        }
        func stream(_ request: HTTPStreamRequest) -> AsyncThrowingStream<HTTPStreamPart, any Error> { base.stream(request) }
    }

    func run() async throws -> Result {
        let emulator = Emulator(preset: .visualLayer)
        _ = try await emulator.start()
        do {
            let r = try await run(emulator)
            await emulator.stop()
            return r
        } catch {
            await emulator.stop()
            throw error
        }
    }

    private func run(_ emulator: Emulator) async throws -> Result {
        let admin = try CurlTransport()
        // 250 unread items: pages of 100 + 100 + 50.
        let items = (0..<250).map { #"{"metadata":{"view_name":"V\#($0)","dataset_name":"D","result_count":1}}"# }
        let added = try await admin.send(HTTPRequest(method: "POST", url: emulator.baseURL + "/_emulator/items",
                                                     body: Array("[\(items.joined(separator: ","))]".utf8)))
        guard added.status == 200 else { throw BenchError("emulator /_emulator/items answered \(added.status)") }
        let set = try await admin.send(HTTPRequest(method: "POST", url: emulator.baseURL + "/_emulator/http",
                                                   body: Array(#"{"conditional": true, "poll_interval": 60}"#.utf8)))
        guard set.status == 200 else { throw BenchError("emulator /_emulator/http answered \(set.status)") }
        let config = try ConfigLoader.parse("""
            [[source]]
            name = "bench"
            preset = "visual-layer"
            base_url = "\(emulator.baseURL)"
            web_url = "https://app.example.com"
            token = "test-token"
            poll_interval = "\(Int(configured.seconds))s"
            """, file: "bench.toml")
        let counting = Counting(try CurlTransport())
        var client = ProviderClient(source: config.sources[0], transport: RedirectingTransport.forSource(counting, baseURL: emulator.baseURL),
                                    token: "test-token")
        var r = Result()
        var clock: Duration = .zero
        while clock < hour {
            let listing = try await client.listing()
            if r.polls == 0 {
                let t = counting.totals.withLock { $0 }
                guard listing.items.count == 250, t.requests == 3 else {
                    throw BenchError("the first listing found \(listing.items.count) of 250 items in \(t.requests) requests, not 3 pages")
                }
                r.firstListing = (t.requests, t.bytes)
            }
            r.polls += 1
            client.validators = listing.head.validators
            clock += listing.head.nextPoll(after: config.sources[0].pollInterval)
        }
        let t = counting.totals.withLock { $0 }
        r.requests = t.requests - r.firstListing.requests
        r.bodyBytes = t.bytes - r.firstListing.bytes
        r.units = t.units
        return r
    }
}
