import BelfryCore
import FoundationEssentials
import Hummingbird

/// The test-control surface under `/_emulator` (no auth, JSON, the same in every preset).
/// See docs/emulator.md for each route.
struct AdminRoutes {
    static let prefix = "/_emulator"

    /// Whether `path` is on the admin surface (not an API request).
    static func isAdmin(_ path: String) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }

    let env: EmulatorEnvironment

    func add(to router: Router<EmulatorRequestContext>) {
        let env = self.env
        let state = env.state
        let api = env.api
        let group = router.group(RouterPath(Self.prefix))

        group.get("") { _, _ -> Response in
            Reply.json([
                "preset": .string(api.preset.rawValue), "items": Reply.number(state.items.count),
                "open_streams": Reply.number(state.openStreams),
                "hanging": Reply.number(state.with { $0.hanging }),
            ])
        }
        group.post("/items") { request, _ -> Response in
            try await Self.answer {
                let body = try await Self.json(request)
                let partials: [JSONValue] = body.array ?? [body]
                var stored: [StoredItem] = []
                for partial in partials {
                    guard let object = partial.object else { throw AdminError("each item must be a JSON object") }
                    let item = try api.makeItem(object, now: Date(), state: state)
                    stored += state.insert([item], streamEvent: api.streamEvent)
                }
                return Reply.json(.array(stored.map { api.render($0, caller: .user) }))
            }
        }
        group.get("/items") { _, _ -> Response in
            Reply.json(.array(api.listOrder(state.items).map { api.render($0, caller: .user) }))
        }
        group.delete("/items/{id}") { _, context -> Response in
            try await Self.answer {
                let id = try Self.itemID(context, state)
                _ = state.remove(id: id)
                return Reply.json(["removed": .string(id)])
            }
        }
        group.post("/items/read") { request, _ -> Response in
            try await Self.answer {
                guard let ids = try await Self.json(request)["ids"]?.array else {
                    throw AdminError("body must be {\"ids\": [id, …]}")
                }
                var found = 0
                for id in ids {
                    guard let text = id.text else { continue }
                    if state.update(id: text, { api.markRead(&$0, at: Date()) }) != nil { found += 1 }
                }
                return Reply.json(["read": Reply.number(found)])
            }
        }
        group.post("/items/{id}/read") { _, context -> Response in
            try await Self.answer {
                let id = try Self.itemID(context, state)
                let item = state.update(id: id) { api.markRead(&$0, at: Date()) }
                return Reply.json(item.map { api.render($0, caller: .user) } ?? .null)
            }
        }
        group.post("/items/{id}/repeat") { _, context -> Response in
            try await Self.answer {
                let id = try Self.itemID(context, state)
                var failure: AdminError?
                let item = state.update(id: id) { item in
                    do throws(AdminError) { try api.repeatOccurrence(&item, at: Date()) } catch { failure = error }
                }
                if let failure { throw failure }
                return Reply.json(item.map { api.render($0, caller: .user) } ?? .null)
            }
        }
        group.post("/faults") { request, _ -> Response in
            try await Self.answer {
                let fault = try Fault(json: try await Self.json(request))
                let touched = state.add(fault)
                var answer = fault.json
                if case .object(var object) = answer {
                    object["streams_affected"] = Reply.number(touched)
                    answer = .object(object)
                }
                return Reply.json(answer)
            }
        }
        group.get("/faults") { _, _ -> Response in Reply.json(.array(state.faults.map(\.json))) }
        group.delete("/faults") { _, _ -> Response in
            state.clearFaults()
            return Reply.json([:])
        }
        group.get("/calls") { _, _ -> Response in Reply.json(.array(state.calls.map(\.json))) }
        group.delete("/calls") { _, _ -> Response in
            Reply.json(.array(state.takeCalls().map(\.json)))
        }
        group.post("/reset") { _, _ -> Response in
            state.reset()
            return Reply.json([:])
        }
        group.get("/streams") { _, _ -> Response in Reply.json(["open": Reply.number(state.openStreams)]) }
        addActivity(to: group)
    }

    /// Runs `body`, answering an `AdminError` as `{"error": …}`.
    static func answer(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as AdminError {
            return Reply.adminError(error)
        }
    }

    static func json(_ request: Request) async throws -> JSONValue {
        var request = request
        let buffer = try await request.collectBody(upTo: 64 * 1024 * 1024)
        do {
            return try JSONValue.parse(buffer.readableBytesView)
        } catch {
            throw AdminError("body is not valid JSON: \(error)")
        }
    }

    /// The stored id named in the path: an item id, or (aira) a notification_key.
    static func itemID(_ context: EmulatorRequestContext, _ state: EmulatorState) throws -> String {
        let given = context.parameters.get("id") ?? ""
        if let item = state.item(id: given) { return item.id }
        guard let item = state.items.first(where: { $0["notification_key"]?.string == given }) else {
            throw AdminError("no item with id \(given)", status: 404)
        }
        return item.id
    }
}
