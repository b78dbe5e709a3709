import BelfryCore
import FoundationEssentials
import NIOConcurrencyHelpers

/// Polite-polling and redirect behaviours set through `/_emulator/http` (docs/emulator.md): list
/// validators and 304s, an `X-Poll-Interval` on every API answer, and redirects to another origin.
final class HTTPBehaviour: Sendable {
    struct Redirect: Sendable, Equatable {
        /// Requests whose path starts with this are redirected.
        var pathPrefix: String
        /// The origin (or any URL prefix) the request's path and query are appended to.
        var to: String
        var status: Int
    }

    struct Settings: Sendable, Equatable {
        /// GET answers carry `ETag` / `Last-Modified`; a matching `If-None-Match` (or, without one,
        /// an `If-Modified-Since` not older than the last change) answers 304 with no body.
        var conditional = false
        /// Seconds sent as `X-Poll-Interval` on every API answer (nil: none).
        var pollInterval: Int?
        var redirects: [Redirect] = []
    }

    private struct Storage {
        var settings = Settings()
        var notModified = 0
        /// The store's fingerprint when last asked, and when it last changed (Last-Modified).
        var fingerprint: Int?
        var changedAt = Date()
    }

    private let storage = NIOLockedValueBox(Storage())

    var settings: Settings {
        get { storage.withLockedValue { $0.settings } }
        set { storage.withLockedValue { $0.settings = newValue } }
    }

    /// 304s answered so far.
    var notModified: Int { storage.withLockedValue { $0.notModified } }
    func countNotModified() { storage.withLockedValue { $0.notModified += 1 } }

    func reset() { storage.withLockedValue { $0 = Storage() } }

    /// The validators of a GET of `path?query` over `items`: a strong ETag from the items' content
    /// and the request, and the time the items last changed.
    func validators(path: String, query: [String: String], items: [StoredItem], now: Date = Date()) -> (etag: String, lastModified: Date) {
        var hasher = Hasher()
        for item in items { hasher.combine(JSONValue.object(item.fields).serialized()) }
        let content = hasher.finalize()
        let changedAt = storage.withLockedValue { s -> Date in
            if s.fingerprint != content {
                s.fingerprint = content
                s.changedAt = now
            }
            return s.changedAt
        }
        var request = Hasher()
        request.combine(content)
        request.combine(path)
        for key in query.keys.sorted() { request.combine(key); request.combine(query[key]) }
        let tag = UInt64(bitPattern: Int64(request.finalize()))
        return ("\"\(String(tag, radix: 16))\"", changedAt)
    }

    /// Reads the admin body `{"conditional": bool, "poll_interval": s|null, "redirects": [{"path", "to", "status"}]}`;
    /// keys left out keep their value.
    func update(_ json: JSONValue) throws(AdminError) -> Settings {
        guard case .object(let o) = json else { throw AdminError("body must be a JSON object") }
        var s = settings
        if let c = o["conditional"] {
            guard let b = c.bool else { throw AdminError("conditional must be true or false") }
            s.conditional = b
        }
        if let p = o["poll_interval"] {
            if p.isNull { s.pollInterval = nil } else {
                guard let n = p.int, n > 0 else { throw AdminError("poll_interval must be a positive number of seconds or null") }
                s.pollInterval = n
            }
        }
        if let r = o["redirects"] {
            guard let list = r.array else { throw AdminError("redirects must be an array") }
            s.redirects = try list.map { (entry: JSONValue) throws(AdminError) -> Redirect in
                guard let path = entry["path"]?.string, path.hasPrefix("/") else { throw AdminError("each redirect needs a \"path\" prefix starting with /") }
                guard let to = entry["to"]?.string, to.hasPrefix("http://") || to.hasPrefix("https://") || to.hasPrefix("/") else {
                    throw AdminError("each redirect needs \"to\": an http(s) URL or a path")
                }
                let status = entry["status"]?.int ?? 301
                guard [301, 302, 303, 307, 308].contains(status) else { throw AdminError("redirect status must be 301, 302, 303, 307 or 308") }
                return Redirect(pathPrefix: path, to: to, status: status)
            }
        }
        settings = s
        return s
    }

    var json: JSONValue {
        let s = settings
        return .object([
            "conditional": .bool(s.conditional),
            "poll_interval": s.pollInterval.map { .number(Double($0)) } ?? .null,
            "redirects": .array(s.redirects.map {
                .object(["path": .string($0.pathPrefix), "to": .string($0.to), "status": .number(Double($0.status))])
            }),
            "not_modified": .number(Double(notModified)),
        ])
    }
}
