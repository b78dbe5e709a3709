internal import BelfryCore
internal import CCurl

/// One libcurl multi handle (`CURLM *`), freed in `deinit`.
///
/// Not thread-safe: only the `CurlLoop` thread calls it, except `wakeup()`, which libcurl allows
/// from any thread.
final class CurlMultiHandle {
    let raw: UnsafeMutableRawPointer

    init() throws(HTTPError) {
        guard let raw = curl_multi_init() else {
            throw HTTPError(.other, "libcurl could not create its transfer loop (out of memory?)")
        }
        self.raw = raw
    }

    deinit { curl_multi_cleanup(raw) }

    func add(_ easy: CurlEasyHandle) throws(HTTPError) {
        try check(curl_multi_add_handle(raw, easy.raw))
    }

    func remove(_ easy: CurlEasyHandle) {
        _ = curl_multi_remove_handle(raw, easy.raw)
    }

    /// Moves every transfer as far as it can go without blocking.
    func perform() throws(HTTPError) {
        var running: Int32 = 0
        try check(curl_multi_perform(raw, &running))
    }

    /// Sleeps until a socket of a transfer is ready, libcurl's next timer is due, `timeoutMilliseconds`
    /// passed or `wakeup()` is called. With no transfer and no timer (and the default timeout) it
    /// sleeps indefinitely (no periodic wake-ups).
    func poll(timeoutMilliseconds: Int32 = .max) throws(HTTPError) {
        try check(curl_multi_poll(raw, nil, 0, timeoutMilliseconds, nil))
    }

    /// Interrupts `poll()`; safe from any thread.
    func wakeup() {
        _ = curl_multi_wakeup(raw)
    }

    /// The next finished transfer, as its easy handle and result.
    func nextCompletion() -> (easy: UnsafeMutableRawPointer, result: CURLcode)? {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(raw, &queued) {
            if message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle {
                return (easy, message.pointee.data.result)
            }
        }
        return nil
    }

    private func check(_ code: CURLMcode) throws(HTTPError) {
        guard code == CURLM_OK else { throw CurlErrorMapping.httpError(.multi(code), host: nil, detail: "") }
    }
}
