import Synchronization
@testable import BelfryCore

/// An `HTTPTransport` that plays one script per `stream` call, in order, and records the requests.
/// A script is played as its parts are pulled, so `.advance` moves the clock mid-stream.
final class ScriptedTransport: HTTPTransport {
    enum Step: Sendable {
        case head(Int, [HTTPHeader])
        case bytes([UInt8])
        /// Moves the test clock (a connection staying up for a while).
        case advance(Duration)
        case fail(HTTPError)
        /// Never yields again (until cancelled).
        case hang
    }

    /// A 200 event stream sending `chunks`, then closing.
    static func stream(_ chunks: String..., contentType: String = "text/event-stream") -> [Step] {
        [.head(200, [HTTPHeader("Content-Type", contentType)])] + chunks.map { .bytes(Array($0.utf8)) }
    }

    private struct State {
        var scripts: [[Step]]
        var requests: [HTTPStreamRequest] = []
    }
    private let state: Mutex<State>
    private let clock: TestClock

    init(clock: TestClock, _ scripts: [[Step]]) {
        self.clock = clock
        self.state = Mutex(State(scripts: scripts))
    }

    var requests: [HTTPStreamRequest] { state.withLock { $0.requests } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw HTTPError(.other, "ScriptedTransport only streams")
    }

    func stream(_ request: HTTPStreamRequest) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let steps = state.withLock { s in
            s.requests.append(request)
            return s.scripts.isEmpty ? [Step.hang] : s.scripts.removeFirst()
        }
        let cursor = Cursor()
        let clock = self.clock
        return AsyncThrowingStream {
            while true {
                let index = cursor.take()
                guard index < steps.count else { return nil }
                switch steps[index] {
                case .head(let status, let headers): return .head(status: status, headers: headers)
                case .bytes(let bytes): return .bytes(bytes)
                case .advance(let duration): clock.advance(by: duration)
                case .fail(let error): throw error
                case .hang: try await Task.sleep(for: .seconds(3600))
                }
            }
        }
    }
}

private final class Cursor: Sendable {
    private let position = Mutex(0)
    func take() -> Int {
        position.withLock { i in
            defer { i += 1 }
            return i
        }
    }
}
