internal import BelfryCore
internal import CCurl

/// Turns an `HTTPRequest` into easy-handle options: the request itself plus the fixed policy every
/// Belfry transfer follows (TLS always verified, http/https only, no redirects, no signals).
enum CurlRequestOptions {
    static let userAgent = "belfry/0.1"
    /// Upper bound for establishing a connection, whatever the whole-transfer timeout.
    static let connectTimeoutMilliseconds = 10_000

    static func apply(
        _ request: HTTPRequest, timeLimit: CurlTimeLimit, to easy: CurlEasyHandle, headerList: CurlStringList
    ) throws(HTTPError) {
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        // Redirects are returned, not followed: a token must never reach another host.
        try easy.set(CURLOPT_FOLLOWLOCATION, 0)
        // Timeouts without SIGALRM: libcurl must not touch signals in a multi-threaded process.
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = request.security.caFile {
            try easy.set(CURLOPT_CAINFO, caFile)
        }
        try easy.set(CURLOPT_ACCEPT_ENCODING, "")  // every encoding this libcurl can decode
        try easy.set(CURLOPT_USERAGENT, userAgent)
        // A proxy's CONNECT response is not the server's response.
        try easy.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)

        switch timeLimit {
        case .request(let milliseconds):
            try easy.set(CURLOPT_TIMEOUT_MS, milliseconds)
            try easy.set(CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, connectTimeoutMilliseconds))
        case .streamIdle:
            // No total timeout on a stream: it is dead when no byte came for its idle limit, which
            // CurlLoop enforces with its own deadline (CURLOPT_LOW_SPEED_* would make libcurl wake
            // the thread every second for as long as the stream is open).
            try easy.set(CURLOPT_TIMEOUT_MS, 0)
            try easy.set(CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMilliseconds)
            try easy.set(CURLOPT_TCP_KEEPALIVE, 1)
        }

        let sendsBody = try applyMethod(request, to: easy)
        try applyHeaders(request.headers, sendsBody: sendsBody, to: easy, headerList: headerList)
    }

    /// Returns whether the request carries a body (possibly empty, sent with Content-Length: 0).
    private static func applyMethod(_ request: HTTPRequest, to easy: CurlEasyHandle) throws(HTTPError) -> Bool {
        let method = request.method
        guard !method.isEmpty, method.utf8.allSatisfy(isTokenByte) else {
            throw HTTPError(.other, "invalid HTTP method \"\(method)\"")
        }
        let sendsBody = request.body != nil || ["POST", "PUT", "PATCH"].contains(method)
        switch method {
        case "GET" where !sendsBody:
            try easy.set(CURLOPT_HTTPGET, 1)
        case "HEAD" where !sendsBody:
            try easy.set(CURLOPT_NOBODY, 1)
        default:
            if sendsBody {
                let body = request.body ?? []
                // The size first: COPYPOSTFIELDS then copies exactly that many bytes (zeros included).
                try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count))
                if body.isEmpty {
                    try easy.set(CURLOPT_COPYPOSTFIELDS, "")
                } else {
                    let copied = body.withUnsafeBytes { bytes in
                        Result { () throws(HTTPError) in try easy.set(CURLOPT_COPYPOSTFIELDS, pointer: bytes.baseAddress) }
                    }
                    try copied.get()
                }
            }
            if method != "POST" {
                try easy.set(CURLOPT_CUSTOMREQUEST, method)
            }
        }
        return sendsBody
    }

    private static func applyHeaders(
        _ headers: [HTTPHeader], sendsBody: Bool, to easy: CurlEasyHandle, headerList: CurlStringList
    ) throws(HTTPError) {
        for header in headers {
            // Names may be shown; values never are (they carry tokens).
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(isTokenByte) else {
                throw HTTPError(.other, "invalid request header name \"\(header.name)\"")
            }
            guard !header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw HTTPError(.other, "request header \"\(header.name)\" has a line break or NUL in its value")
            }
            // "Name;" is libcurl's way to send a header with an empty value ("Name:" removes it).
            try headerList.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        if sendsBody {
            // libcurl would otherwise add "Expect: 100-continue" to larger bodies (a wasted round
            // trip, or a one-second stall with servers that ignore it) and a form Content-Type.
            try headerList.append("Expect:")
            if !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                try headerList.append("Content-Type:")
            }
        }
        try easy.set(CURLOPT_HTTPHEADER, pointer: headerList.raw.map { UnsafeRawPointer($0) })
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
