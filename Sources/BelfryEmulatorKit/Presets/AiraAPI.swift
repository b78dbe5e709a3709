import BelfryCore
import FoundationEssentials
import Hummingbird

/// aira (aira.md): pending items under `/api/v1/notifications`, identity `notification_key`, read state
/// only for JWT callers. Errors (not documented) are `{"error": code, "message": …, "request_id": …}`.
struct AiraAPI: ProviderAPI {
    var preset: EmulatorPreset { .aira }

    func errorResponse(_ error: APIError, request: Request) -> Response {
        Reply.json(
            [
                "error": .string(errorCode(error.status)),
                "message": .string(error.message),
                "request_id": .string(Self.requestID()),
            ],
            status: error.status, headers: retryHeaders(error))
    }

    static func requestID() -> String {
        var generator = ULIDGenerator()
        return "req_" + generator.make(millis: Timestamp.millis(Date()), monotonic: false)
    }

    func addRoutes(to router: Router<EmulatorRequestContext>, env: EmulatorEnvironment) {
        let state = env.state
        router.get("/api/v1/notifications/pending") { _, context -> Response in
            let items = listOrder(state.items).map { render($0, caller: context.caller) }
            let unread = items.filter { $0["read"]?.bool == false }.count
            return Reply.json([
                "items": .array(items),
                "total": Reply.number(items.count),
                "unread_count": Reply.number(unread),
                "request_id": .string(Self.requestID()),
            ])
        }
        router.post("/api/v1/notifications/mark-read") { request, context -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let keys = try Self.notificationKeys(body)
            var marked = 0
            if context.caller == .user {
                let wanted = Set(keys)
                marked = state.updateAll { item in
                    guard let key = item["notification_key"]?.string, wanted.contains(key), !isRead(item) else { return false }
                    markRead(&item, at: Date())
                    return true
                }
            }
            return Reply.json(["marked": Reply.number(marked), "request_id": .string(Self.requestID())])
        }
        router.post("/api/v1/notifications/mark-all-read") { _, context -> Response in
            var marked = 0
            if context.caller == .user {
                let pending = Set(listOrder(state.items).map(\.id))
                marked = state.updateAll { item in
                    guard pending.contains(item.id), !isRead(item) else { return false }
                    markRead(&item, at: Date())
                    return true
                }
            }
            return Reply.json(["marked": Reply.number(marked), "request_id": .string(Self.requestID())])
        }
    }

    /// `{"notification_keys": [1…100 strings]}`, else 422.
    static func notificationKeys(_ body: ByteBuffer) throws(APIError) -> [String] {
        let json = try? JSONValue.parse(body.readableBytesView)
        guard let json, case .object = json else {
            throw .invalid("body must be a JSON object", status: 422, location: ["body"])
        }
        guard let array = json["notification_keys"]?.array else {
            throw .invalid("notification_keys is required and must be an array", status: 422, location: ["body", "notification_keys"])
        }
        let keys = array.compactMap(\.string)
        guard keys.count == array.count else {
            throw .invalid("notification_keys must contain strings", status: 422, location: ["body", "notification_keys"])
        }
        guard (1...100).contains(keys.count) else {
            throw .invalid("notification_keys must contain 1-100 items", status: 422, location: ["body", "notification_keys"])
        }
        return keys
    }
}
