import BelfryCore
import FoundationEssentials
import HTTPTypes
import Hummingbird

/// taskrunner (taskrunner.md): a local daemon with a Huma-style API. `GET /api/notifications` pages by
/// `before=<id>`; errors are `application/problem+json`. It has no documented mark-read endpoint.
struct TaskrunnerAPI: ProviderAPI {
    var preset: EmulatorPreset { .taskrunner }

    static func schemaURL(_ request: Request, _ name: String) -> String {
        "http://\(request.head.authority ?? "localhost:9477")/schemas/\(name).json"
    }

    func errorResponse(_ error: APIError, request: Request) -> Response {
        var body: [String: JSONValue] = [
            "$schema": .string(Self.schemaURL(request, "ErrorModel")),
            "title": .string(reasonPhrase(error.status)),
            "status": Reply.number(error.status),
            "detail": .string(error.kind == .invalid ? "validation failed" : error.message),
        ]
        if error.kind == .invalid {
            var entry: [String: JSONValue] = [
                "message": .string(error.message), "location": .string(error.location.joined(separator: ".")),
            ]
            if let input = error.input { entry["value"] = .string(input) }
            body["errors"] = [.object(entry)]
        }
        return Reply.json(
            .object(body), status: error.status, contentType: "application/problem+json", headers: retryHeaders(error))
    }

    func addRoutes(to router: Router<EmulatorRequestContext>, env: EmulatorEnvironment) {
        let state = env.state
        router.get("/api/notifications") { request, _ -> Response in
            let query = QueryParameters(request: request)
            let limit = try query.int("limit", default: 50, range: 1...500) { message, input, _ in
                .invalid(message, status: 422, location: ["query", "limit"], input: input)
            }
            let before = query.text("before").flatMap { $0.isEmpty ? nil : $0 }
            let rows = listOrder(state.items).filter { before == nil || $0.id < before! }
            let page = rows.prefix(limit)
            let next = rows.count > limit ? (page.last?.id ?? "") : ""
            var headers: HTTPFields = [:]
            headers[HTTPField.Name("Link")!] = "</schemas/NotificationsListBody.json>; rel=\"describedBy\""
            return Reply.json(
                [
                    "$schema": .string(Self.schemaURL(request, "NotificationsListBody")),
                    "items": .array(page.map { render($0, caller: .user) }),
                    "next_cursor": .string(next),
                ], headers: headers)
        }
    }
}

