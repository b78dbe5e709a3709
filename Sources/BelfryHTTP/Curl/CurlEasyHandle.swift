internal import BelfryCore
internal import CCurl

/// One libcurl easy handle (`CURL *`), with typed option setters and its error buffer, freed in
/// `deinit`.
///
/// Not thread-safe and deliberately not `Sendable`: it is configured by the thread that creates it,
/// then used only by the `CurlLoop` thread that performs it.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer
    /// libcurl writes a one-line reason here when a transfer fails (`CURLOPT_ERRORBUFFER`).
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private static let errorBufferSize = Int(CURL_ERROR_SIZE)

    init() throws(HTTPError) {
        guard let raw = curl_easy_init() else {
            throw HTTPError(.other, "libcurl could not create a transfer (out of memory?)")
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Self.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeRawPointer(errorBuffer))
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try check(belfry_curl_easy_setopt_long(raw, option, value), option)
    }

    func set(_ option: CURLoption, offset value: Int64) throws(HTTPError) {
        try check(belfry_curl_easy_setopt_off_t(raw, option, curl_off_t(value)), option)
    }

    /// A string option; libcurl copies it.
    func set(_ option: CURLoption, _ value: String) throws(HTTPError) {
        let code = value.withCString { belfry_curl_easy_setopt_ptr(raw, option, $0) }
        try check(code, option)
    }

    /// A pointer option; the caller keeps `pointer` alive for as long as libcurl may use it.
    func set(_ option: CURLoption, pointer: UnsafeRawPointer?) throws(HTTPError) {
        try check(belfry_curl_easy_setopt_ptr(raw, option, pointer), option)
    }

    func set(_ option: CURLoption, callback: curl_write_callback) throws(HTTPError) {
        try check(belfry_curl_easy_setopt_write_callback(raw, option, callback), option)
    }

    /// A `long` transfer info value (e.g. `CURLINFO_RESPONSE_CODE`), or nil when libcurl has none.
    func info(_ info: CURLINFO) -> Int? {
        var value = 0
        return belfry_curl_easy_getinfo_long(raw, info, &value) == CURLE_OK ? value : nil
    }

    /// libcurl's own description of the last failure, empty if it gave none.
    var errorDetail: String {
        String(cString: errorBuffer).trimmingTrailingNewlines()
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(HTTPError) {
        guard code == CURLE_OK else {
            throw CurlErrorMapping.httpError(.easy(code), host: nil, detail: "", during: "setting option \(option.rawValue)")
        }
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" || last == "\r\n" { s = s.dropLast() }
        return String(s)
    }
}
