internal import BelfryCore
internal import CCurl

/// A libcurl string list (`struct curl_slist *`, used for request headers), freed in `deinit`.
///
/// Not thread-safe; it must outlive every transfer it is set on.
final class CurlStringList {
    private(set) var raw: UnsafeMutablePointer<curl_slist>?

    init() {}

    deinit { curl_slist_free_all(raw) }

    func append(_ line: String) throws(HTTPError) {
        guard let list = curl_slist_append(raw, line) else {
            throw HTTPError(.other, "libcurl could not build the header list (out of memory?)")
        }
        raw = list
    }
}
