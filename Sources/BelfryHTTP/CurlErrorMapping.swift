internal import BelfryCore
internal import CCurl

/// A libcurl result that is not success.
enum CurlFailure {
    case easy(CURLcode)
    case multi(CURLMcode)
}

/// What a transfer's time limit meant, so that a timeout message says which one ran out.
enum CurlTimeLimit {
    case request(milliseconds: Int)
    case streamIdle(seconds: Int)
}

/// The one place where libcurl result codes become `HTTPError`s.
///
/// Messages name the host and libcurl's reason, never the URL's path or query and never request
/// headers (they carry tokens).
enum CurlErrorMapping {
    /// - Parameters:
    ///   - host: the request's `host[:port]`, when there is a request.
    ///   - detail: libcurl's error buffer for the transfer (more specific than the code's text).
    ///   - timeLimit: the limit a `CURLE_OPERATION_TIMEDOUT` refers to.
    ///   - bodyLimit: set when the transfer aborted itself because the body broke this limit.
    ///   - during: what was being done, when the failure is not a transfer's (e.g. "setting option 10002").
    static func httpError(
        _ failure: CurlFailure, host: String?, detail: String,
        timeLimit: CurlTimeLimit? = nil, bodyLimit: Int? = nil, during: String? = nil
    ) -> HTTPError {
        let prefix = (host.map { "\($0): " } ?? "") + (during.map { "\($0): " } ?? "")
        let code: CURLcode
        switch failure {
        case .multi(let multiCode):
            let reason = String(cString: curl_multi_strerror(multiCode))
            return HTTPError(.other, "\(prefix)libcurl transfer loop failed: \(reason)")
        case .easy(let easyCode):
            code = easyCode
        }
        let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail

        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            switch timeLimit {
            case .streamIdle(let seconds):
                return HTTPError(.timeout, "\(prefix)stream idle for \(seconds) s (\(reason))")
            case .request(let milliseconds):
                return HTTPError(.timeout, "\(prefix)request timed out after \(format(milliseconds)) (\(reason))")
            case nil:
                return HTTPError(.timeout, "\(prefix)\(reason)")
            }
        case CURLE_WRITE_ERROR where bodyLimit != nil, CURLE_FILESIZE_EXCEEDED:
            let limit = bodyLimit.map { "\($0) bytes" } ?? "the size limit"
            return HTTPError(.tooLarge, "\(prefix)response body exceeds \(limit)")
        case CURLE_ABORTED_BY_CALLBACK:
            return HTTPError(.cancelled, "\(prefix)transfer cancelled")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return HTTPError(.connect, "\(prefix)cannot connect: \(reason)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            return HTTPError(.tls, "\(prefix)TLS failed: \(reason)")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_WEIRD_SERVER_REPLY,
            CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
            CURLE_BAD_CONTENT_ENCODING, CURLE_TOO_MANY_REDIRECTS:
            return HTTPError(.protocolError, "\(prefix)\(reason)")
        default:
            return HTTPError(.other, "\(prefix)\(reason)")
        }
    }

    private static func format(_ milliseconds: Int) -> String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
