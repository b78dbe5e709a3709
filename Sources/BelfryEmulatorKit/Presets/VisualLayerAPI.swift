import BelfryCore
import FoundationEssentials
import HTTPTypes
import Hummingbird

/// visual-layer (visual-layer.md): a FastAPI service. The doc gives no paths; the emulator serves them
/// under `/api/v1/notifications` (see docs/emulator.md). Validation errors are FastAPI's 422
/// `{"detail": [{type, loc, msg, input}]}`, other errors `{"detail": "…"}`. Has an SSE stream.
struct VisualLayerAPI: ProviderAPI {
    var preset: EmulatorPreset { .visualLayer }

    func errorResponse(_ error: APIError, request: Request) -> Response {
        let detail: JSONValue
        switch error.kind {
        case .invalid:
            var entry: [String: JSONValue] = [
                "type": .string(error.validation ?? "value_error"),
                "loc": .array(error.location.map { .string($0) }),
                "msg": .string(error.message),
            ]
            if let input = error.input { entry["input"] = .string(input) }
            detail = [.object(entry)]
        case .unauthorized:
            detail = "Could not validate credentials"
        case .notFound:
            detail = "Notification not found"
        case .fault:
            detail = .string(error.message)
        }
        return Reply.json(["detail": detail], status: error.status, headers: retryHeaders(error))
    }

    /// Pydantic's wording for a failed query parameter.
    static func pydantic(_ name: String, bound: (low: Int, high: Int?)) -> (String, String, String) -> APIError {
        { _, input, type in
            let message = switch type {
            case "int_parsing": "Input should be a valid integer, unable to parse string as an integer"
            case "greater_than_equal": "Input should be greater than or equal to \(bound.low)"
            case "less_than_equal": "Input should be less than or equal to \(bound.high ?? 0)"
            case "bool_parsing": "Input should be a valid boolean, unable to interpret input"
            default: "Invalid value"
            }
            return .invalid(message, status: 422, location: ["query", name], input: input, validation: type)
        }
    }

    static func uuidParameter(_ value: String?, location: [String]) throws(APIError) -> String? {
        guard let value else { return nil }
        guard RandomID.isUUID(value) else {
            throw .invalid(
                "Input should be a valid UUID, invalid character or length", status: 422, location: location,
                input: value, validation: "uuid_parsing")
        }
        return value.lowercased()
    }

    func addRoutes(to router: Router<EmulatorRequestContext>, env: EmulatorEnvironment) {
        let state = env.state
        let datasetItems: @Sendable (String?) -> [StoredItem] = { dataset in
            listOrder(state.items).filter { dataset == nil || $0["dataset_id"]?.string == dataset }
        }
        router.get("/api/v1/notifications") { request, _ -> Response in
            let query = QueryParameters(request: request)
            let limit = try query.int("limit", default: 20, range: 1...100, fail: Self.pydantic("limit", bound: (1, 100)))
            let offset = try query.int(
                "offset", default: 0, range: 0...Int(Int32.max), fail: Self.pydantic("offset", bound: (0, nil)))
            let unreadOnly = try query.bool(
                "unread_only", default: false, lenient: true, fail: Self.pydantic("unread_only", bound: (0, nil)))
            let dataset = try Self.uuidParameter(query.text("dataset_id"), location: ["query", "dataset_id"])
            let rows = datasetItems(dataset).filter { !unreadOnly || !isRead($0) }
            let start = min(offset, rows.count)
            let page = rows[start..<min(rows.count, start + limit)]
            return Reply.json([
                "items": .array(page.map { render($0, caller: .user) }),
                "total": Reply.number(rows.count),
                "has_more": .bool(start + limit < rows.count),
            ])
        }
        router.get("/api/v1/notifications/unread-count") { request, _ -> Response in
            let dataset = try Self.uuidParameter(request.uri.queryParameters.get("dataset_id"), location: ["query", "dataset_id"])
            return Reply.json(["count": Reply.number(datasetItems(dataset).filter { !isRead($0) }.count)])
        }
        router.post("/api/v1/notifications/read-all") { request, _ -> Response in
            let dataset = try Self.uuidParameter(request.uri.queryParameters.get("dataset_id"), location: ["query", "dataset_id"])
            let count = state.updateAll { item in
                guard dataset == nil || item["dataset_id"]?.string == dataset, !isRead(item) else { return false }
                markRead(&item, at: Date())
                return true
            }
            return Reply.json(["count": Reply.number(count)])
        }
        router.post("/api/v1/notifications/{id}/read") { _, context -> Response in
            let raw = context.parameters.get("id") ?? ""
            guard let id = try Self.uuidParameter(raw, location: ["path", "notification_id"]) else {
                throw APIError.notFound("Notification not found")
            }
            var wasUnread = false
            let item = state.update(id: id) { item in
                wasUnread = !isRead(item)
                markRead(&item, at: Date())
            }
            guard let item, wasUnread else { throw APIError.notFound("Notification not found") }
            return Reply.json(["id": .string(item.id), "read_at": item["read_at"] ?? .null])
        }
        router.get("/api/v1/notifications/stream") { request, context -> Response in
            let dataset = try Self.uuidParameter(request.uri.queryParameters.get("dataset_id"), location: ["query", "dataset_id"])
            let fault = state.consumeFault(
                method: request.method.rawValue, path: request.uri.path, kinds: [.dropStream, .stallStream, .streamError])
            let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!]
            let stream = SSEStream(state: state, pingInterval: env.options.ssePingInterval)
            let response = await stream.response(
                channel: context.channel, datasetID: dataset, fault: fault, credential: request.headers[.authorization]
            ) { items in
                Self.missed(after: lastEventID, in: items, dataset: dataset).compactMap { item in
                    streamEvent(item).map { StreamSignal.event(id: $0.id, text: $0.text) }
                }
            }
            guard let response else {
                throw APIError(kind: .fault, status: 503, message: "Service shutting down")
            }
            return response
        }
    }

    /// Items stored after the one with id `lastEventID` (in arrival order), for a reconnecting stream.
    /// An unknown id replays nothing.
    static func missed(after lastEventID: String?, in items: [StoredItem], dataset: String?) -> [StoredItem] {
        guard let lastEventID, let last = items.first(where: { $0.id == lastEventID }) else { return [] }
        return items.filter { $0.seq > last.seq && (dataset == nil || $0["dataset_id"]?.string == dataset) }
            .sorted { $0.seq < $1.seq }
    }
}
