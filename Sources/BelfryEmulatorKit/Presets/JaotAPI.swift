import BelfryCore
import FoundationEssentials
import Hummingbird

/// jaot (jaot.md): a polled list under `/api/v2/notifications`. Errors are `{"error": code, "message": …}`.
struct JaotAPI: ProviderAPI {
    var preset: EmulatorPreset { .jaot }

    func errorResponse(_ error: APIError, request: Request) -> Response {
        var body: [String: JSONValue] = ["error": .string(errorCode(error.status)), "message": .string(error.message)]
        if let field = error.location.last { body["field"] = .string(field) }
        return Reply.json(.object(body), status: error.status, headers: retryHeaders(error))
    }

    private func invalid(_ location: String) -> (String, String, String) -> APIError {
        { message, input, _ in .invalid(message, status: 422, location: ["query", location], input: input) }
    }

    func addRoutes(to router: Router<EmulatorRequestContext>, env: EmulatorEnvironment) {
        let state = env.state
        router.get("/api/v2/notifications") { request, _ -> Response in
            let query = QueryParameters(request: request)
            let unreadOnly = try query.bool("unread_only", default: false, lenient: true, fail: invalid("unread_only"))
            let limit = try query.int("limit", default: 50, range: 1...100, fail: invalid("limit"))
            let all = listOrder(state.items)
            let (page, headers) = state.with { $0.listPaging }.page(of: all.filter { !unreadOnly || !isRead($0) }, limit: limit, request: request)
            return Reply.json([
                "items": .array(page.map { render($0, caller: .user) }),
                "total": Reply.number(page.count),
                "unread_count": Reply.number(all.filter { !isRead($0) }.count),
            ], headers: headers)
        }
        router.get("/api/v2/notifications/unread-count") { _, _ -> Response in
            Reply.json(["unread_count": Reply.number(state.items.filter { !isRead($0) }.count)])
        }
        router.post("/api/v2/notifications/read-all") { _, _ -> Response in
            let marked = state.updateAll { item in
                guard !isRead(item) else { return false }
                markRead(&item, at: Date())
                return true
            }
            return Reply.json(["success": true, "marked_count": Reply.number(marked)])
        }
        router.post("/api/v2/notifications/{id}/read") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard state.update(id: id, { markRead(&$0, at: Date()) }) != nil else {
                throw APIError.notFound("Notification \(id) not found")
            }
            return Reply.json(["success": true, "marked_count": 1])
        }
    }
}
