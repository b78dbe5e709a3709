internal import BelfryCore
internal import CCurl
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One request in flight: its easy handle, what has been received so far, and where the result
/// goes (a continuation for `send`, a stream continuation for `stream`).
///
/// Built and given its sink on the caller's thread, then handed to the `CurlLoop`; from then on
/// only the loop thread touches it (which is why it is `@unchecked Sendable`), except
/// `requestCancel()`, which is atomic. libcurl's callbacks reach it through an unretained pointer:
/// the loop holds it strongly for as long as its handle is in the multi handle.
final class CurlTransfer: @unchecked Sendable {
    enum Sink {
        case none
        case response(CheckedContinuation<HTTPResponse, any Error>)
        case stream(AsyncThrowingStream<HTTPStreamPart, any Error>.Continuation)
    }

    /// The handle while the transfer lives; released on the loop thread when it ends.
    private(set) var easy: CurlEasyHandle?
    /// Identifies the transfer in the loop (the easy handle's address).
    let key: UnsafeMutableRawPointer
    private let headerList: CurlStringList
    private let host: String
    private let timeLimit: CurlTimeLimit
    private let maxBodyBytes: Int
    private var sink: Sink = .none
    private var head = ResponseHeadParser()
    private var headComplete = false
    private var body: [UInt8] = []
    private var bodyLimitBroken = false
    private let cancelRequested = Atomic<Bool>(false)
    /// A stream's idle limit in nanoseconds (nil for a plain request), and when it runs out
    /// (CLOCK_MONOTONIC): every byte received moves it on. The loop sleeps until the earliest one,
    /// so an open stream costs no wake-up until the server writes or the limit passes (libcurl's
    /// low-speed check, used before, woke the thread every second).
    let idleLimitNanos: UInt64?
    private(set) var idleDeadline: UInt64 = .max

    /// Sets up a transfer for `request`; `idleTimeout` makes it a stream (no total timeout).
    init(request: HTTPRequest, idleTimeout: Duration?) throws(HTTPError) {
        let easy = try CurlEasyHandle()
        self.easy = easy
        key = easy.raw
        headerList = CurlStringList()
        host = Self.host(of: request.url)
        maxBodyBytes = request.maxBodyBytes
        if let idleTimeout {
            timeLimit = .streamIdle(seconds: max(1, (idleTimeout.millisecondsRoundedUp + 999) / 1000))
            idleLimitNanos = UInt64(idleTimeout.millisecondsRoundedUp) * 1_000_000
        } else {
            timeLimit = .request(milliseconds: request.timeout.millisecondsRoundedUp)
            idleLimitNanos = nil
        }
        try CurlRequestOptions.apply(request, timeLimit: timeLimit, to: easy, headerList: headerList)
        let context = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        try easy.set(CURLOPT_HEADERDATA, pointer: context)
        try easy.set(CURLOPT_HEADERFUNCTION, callback: { buffer, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            return transfer.receiveHeader(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
        })
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
        try easy.set(CURLOPT_WRITEFUNCTION, callback: { buffer, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            return transfer.receiveBody(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
        })
    }

    /// Where the result goes; called once, before the transfer is submitted.
    func deliver(to sink: Sink) { self.sink = sink }

    /// Marks the transfer cancelled; the loop checks this when the transfer is submitted.
    func requestCancel() { cancelRequested.store(true, ordering: .sequentiallyConsistent) }
    var isCancelRequested: Bool { cancelRequested.load(ordering: .sequentiallyConsistent) }

    // MARK: Idle limit (loop thread)

    /// Starts (or restarts) the idle clock of a stream; a plain request has none.
    func noteActivity(now: UInt64 = MonotonicClock.nanoseconds()) {
        if let idleLimitNanos { idleDeadline = now &+ idleLimitNanos }
    }

    /// Ends a stream that received nothing for its idle limit (its handle already left the multi handle).
    func failIdle() {
        fail(CurlErrorMapping.httpError(.easy(CURLE_OPERATION_TIMEDOUT), host: host, detail: "no data received",
                                        timeLimit: timeLimit))
    }

    // MARK: libcurl callbacks (loop thread)

    private func receiveHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        noteActivity()
        if headComplete { return true }  // trailers of a chunked body
        guard head.consume(String(decoding: bytes, as: UTF8.self)) else { return true }
        if let status = head.status, (100..<200).contains(status) { return true }  // interim response
        headComplete = true
        switch sink {
        case .stream(let continuation):
            continuation.yield(.head(status: responseStatus, headers: head.headers))
        case .response:
            if let length = head.contentLength, length > maxBodyBytes {
                bodyLimitBroken = true
                return false
            }
        case .none:
            return false
        }
        return true
    }

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        noteActivity()
        switch sink {
        case .response:
            guard bytes.count <= maxBodyBytes - body.count else {
                bodyLimitBroken = true
                return false
            }
            body.append(contentsOf: bytes)
            return true
        case .stream(let continuation):
            // A stream has no total cap; one chunk larger than the limit means something is wrong.
            guard bytes.count <= maxBodyBytes else {
                bodyLimitBroken = true
                return false
            }
            if case .terminated = continuation.yield(.bytes(Array(bytes))) { return false }
            return true
        case .none:
            return false
        }
    }

    private var responseStatus: Int {
        head.status ?? easy?.info(CURLINFO_RESPONSE_CODE) ?? 0
    }

    // MARK: Ending (loop thread)

    /// Reports libcurl's result once the handle has left the multi handle, and frees the handle.
    func complete(_ code: CURLcode) {
        guard code == CURLE_OK else {
            let error = CurlErrorMapping.httpError(
                .easy(code), host: host, detail: easy?.errorDetail ?? "", timeLimit: timeLimit,
                bodyLimit: bodyLimitBroken ? maxBodyBytes : nil)
            return fail(error)
        }
        switch sink {
        case .response(let continuation):
            let status = easy?.info(CURLINFO_RESPONSE_CODE) ?? head.status ?? 0
            continuation.resume(returning: HTTPResponse(status: status, headers: head.headers, body: body))
        case .stream(let continuation):
            if !headComplete {
                continuation.yield(.head(status: responseStatus, headers: head.headers))
            }
            continuation.finish()
        case .none:
            break
        }
        end()
    }

    /// Ends the transfer with `error` (its handle is not, or no longer, in the multi handle).
    func fail(_ error: HTTPError) {
        switch sink {
        case .response(let continuation): continuation.resume(throwing: error)
        case .stream(let continuation): continuation.finish(throwing: error)
        case .none: break
        }
        end()
    }

    private func end() {
        sink = .none
        easy = nil
        body = []
    }

    /// `host[:port]` of `url`, for error messages (never the path or query, which may hold tokens).
    static func host(of url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(rest)
    }
}

/// CLOCK_MONOTONIC in nanoseconds (a vDSO call: cheap enough for every chunk received).
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

extension Duration {
    /// Whole milliseconds, rounded up, at least 1 (libcurl reads 0 as "no limit").
    var millisecondsRoundedUp: Int {
        let (seconds, attoseconds) = components
        if seconds >= Int64(Int32.max) / 1000 { return Int(Int32.max) }
        let total = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(max(1, min(total, Int64(Int32.max))))
    }
}
