import BelfryCore
import FoundationEssentials
import HTTPTypes
import Hummingbird

/// Behind the gate: `X-Poll-Interval` on every API answer, and (when `conditional` is on) `ETag` /
/// `Last-Modified` on every 200 GET that is not a stream, with 304 Not Modified and no body when the
/// request's `If-None-Match` matches (or, without one, its `If-Modified-Since` is not older than
/// the store's last change), as GitHub answers its notification listing.
struct ConditionalMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let env: EmulatorEnvironment

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if AdminRoutes.isAdmin(path) { return try await next(request, context) }
        let behaviour = env.state.http
        let settings = behaviour.settings
        var response = try await next(request, context)
        var extra: HTTPFields = [:]
        if let p = settings.pollInterval { extra[HTTPField.Name("X-Poll-Interval")!] = String(p) }
        let isStream = response.headers[.contentType]?.contains("event-stream") ?? false
        if settings.conditional, request.method == .get, response.status.code == 200, !isStream {
            let v = behaviour.validators(path: path, query: QueryParameters(request: request).all, items: env.state.items)
            extra[.eTag] = v.etag
            extra[.lastModified] = HTTPDate.format(v.lastModified)
            if Self.unchanged(request, etag: v.etag, lastModified: v.lastModified) {
                behaviour.countNotModified()
                return Response(status: .notModified, headers: extra)
            }
        }
        for field in extra { response.headers[field.name] = field.value }
        return response
    }

    /// RFC 9110 §13.1: If-None-Match wins when present; If-Modified-Since counts only without it.
    static func unchanged(_ request: Request, etag: String, lastModified: Date) -> Bool {
        if let inm = request.headers[.ifNoneMatch] {
            return inm.split(separator: ",").contains { tag in
                let t = String(tag.filter { $0 != " " && $0 != "\t" })
                return t == "*" || t == etag || t == "W/" + etag
            }
        }
        if let ims = request.headers[.ifModifiedSince], let since = RetryAfter.httpDate(ims) {
            return lastModified.timeIntervalSince1970.rounded(.down) <= since
        }
        return false
    }
}
