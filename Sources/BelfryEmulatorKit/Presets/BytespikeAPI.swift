import BelfryCore
import FoundationEssentials
import Hummingbird

/// bytespike (bytespike.md): `/api/v1/me/notifications`, page/page_size paging, integer ids, idempotent
/// mark-read. Errors are `{"error": {"type": …, "message": …}}`, 400 for every bad parameter.
struct BytespikeAPI: ProviderAPI {
    var preset: EmulatorPreset { .bytespike }

    static func errorType(_ status: Int) -> String {
        switch status {
        case 400, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        default: "api_error"
        }
    }

    func errorResponse(_ error: APIError, request: Request) -> Response {
        Reply.json(
            ["error": ["type": .string(Self.errorType(error.status)), "message": .string(error.message)]],
            status: error.status, headers: retryHeaders(error))
    }

    private func invalid(_ message: String, _ input: String, _ type: String) -> APIError {
        .invalid(message, status: 400, input: input)
    }

    func addRoutes(to router: Router<EmulatorRequestContext>, env: EmulatorEnvironment) {
        let state = env.state
        router.get("/api/v1/me/notifications") { request, _ -> Response in
            let query = QueryParameters(request: request)
            let unread = try query.bool("unread", default: false, lenient: false, fail: invalid)
            let read = try query.bool("read", default: false, lenient: false, fail: invalid)
            if unread && read {
                throw APIError.invalid("unread and read are mutually exclusive", status: 400)
            }
            let type = query.text("type").flatMap { $0.isEmpty ? nil : $0 }
            if let type, !Self.catalog.contains(type) {
                throw APIError.invalid("unknown type '\(type)'", status: 400, input: type)
            }
            let page = try query.int("page", default: 1, range: 1...Int(Int32.max), fail: invalid)
            let pageSize = try query.int("page_size", default: 50, range: 1...200, fail: invalid)
            let rows = listOrder(state.items).filter { item in
                if unread && isRead(item) { return false }
                if read && !isRead(item) { return false }
                if let type, item["type"]?.string != type { return false }
                return true
            }
            let start = min(rows.count, (page - 1) * pageSize)
            let slice = rows[start..<min(rows.count, start + pageSize)]
            return Reply.json([
                "items": .array(slice.map { render($0, caller: .user) }),
                "total": Reply.number(rows.count),
                "page": Reply.number(page),
                "page_size": Reply.number(pageSize),
            ])
        }
        router.get("/api/v1/me/notifications/unread-count") { _, _ -> Response in
            Reply.json(["count": Reply.number(state.items.filter { !isRead($0) }.count)])
        }
        router.post("/api/v1/me/notifications/mark-all-read") { _, _ -> Response in
            let marked = state.updateAll { item in
                guard !isRead(item) else { return false }
                markRead(&item, at: Date())
                return true
            }
            return Reply.json(["marked_read": Reply.number(marked)])
        }
        router.post("/api/v1/me/notifications/{id}/mark-read") { _, context -> Response in
            let raw = context.parameters.get("id") ?? ""
            guard let id = Int(raw), let item = state.update(id: String(id), { markRead(&$0, at: Date()) }) else {
                throw APIError.notFound("Notification \(raw) not found")
            }
            return Reply.json([
                "id": item["id"] ?? .null, "type": item["type"] ?? .null, "read_at": item["read_at"] ?? .null,
            ])
        }
    }
}
