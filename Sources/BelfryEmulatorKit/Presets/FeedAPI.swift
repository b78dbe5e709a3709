import BelfryCore
import FoundationEssentials
import Hummingbird

/// feed: a generic feed API in the shape of the forges and social services (issue 15), for tests of
/// profile features rather than of one provider's contract. Integer ids; a plain JSON array or JSON
/// lines; repeated `types[]` / `exclude_types[]` filters; mark-read by a JSON body `{"id": n}` (a
/// number, as Discourse wants; no id marks all); each item's `url` is an API URL whose answer names
/// its web page in `html_url`. Errors are `{"error": message}`. See docs/emulator.md.
struct FeedAPI: ProviderAPI {
    var preset: EmulatorPreset { .feed }

    /// Where `GET /feed/objects/{id}` says an item's web page is.
    static func htmlURL(_ id: String) -> String { "https://web.feed.example/t/\(id)" }

    func errorResponse(_ error: APIError, request: Request) -> Response {
        Reply.json(["error": .string(error.message)], status: error.status, headers: retryHeaders(error))
    }

    /// Unread items kept by the repeated type filters, in list order.
    func listed(_ request: Request, state: EmulatorState) -> [JSONValue] {
        var only: [String] = []
        var excluded: [String] = []
        for (key, value) in QueryParameters(request: request).pairs {
            if key == "types[]" { only.append(value) }
            if key == "exclude_types[]" { excluded.append(value) }
        }
        return listOrder(state.items).filter { item in
            let type = item["type"]?.string ?? ""
            return !isRead(item) && (only.isEmpty || only.contains(type)) && !excluded.contains(type)
        }.map { render($0, caller: .user) }
    }

    func addRoutes(to router: Router<EmulatorRequestContext>, env: EmulatorEnvironment) {
        let state = env.state
        router.get("/feed/notifications") { request, _ -> Response in
            Reply.json(.array(listed(request, state: state)))
        }
        router.get("/feed/notifications/json") { request, _ -> Response in
            let lines = listed(request, state: state).map { $0.serialized() + "\n" }.joined()
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"],
                            body: .init(byteBuffer: ByteBuffer(string: lines)))
        }
        router.put("/feed/notifications/mark-read") { request, context -> Response in
            var request = request
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            let json = body.readableBytes == 0 ? JSONValue.object([:]) : (try? JSONValue.parse(Array(buffer: body))) ?? .null
            guard case .object(let fields) = json else { throw APIError.invalid("the body must be a JSON object", status: 400) }
            guard let given = fields["id"] else {
                let marked = state.updateAll { item in
                    guard !isRead(item) else { return false }
                    markRead(&item, at: Date())
                    return true
                }
                return Reply.json(["success": "OK", "marked": Reply.number(marked)])
            }
            guard case .number = given, let id = given.int else {
                throw APIError.invalid("id must be a number, got \(given.serialized())", status: 422)
            }
            guard state.update(id: String(id), { markRead(&$0, at: Date()) }) != nil else {
                throw APIError.notFound("notification \(id) not found")
            }
            return Reply.json(["success": "OK"])
        }
        router.get("/feed/objects/{id}") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard state.item(id: id) != nil else { throw APIError.notFound("object \(id) not found") }
            return Reply.json(["id": .string(id), "html_url": .string(Self.htmlURL(id))])
        }
    }

    func makeItem(_ partial: [String: JSONValue], now: Date, state: EmulatorState) throws(AdminError)
        -> (fields: [String: JSONValue], created: Date)
    {
        let created = try createdDate(partial, now: now)
        var partial = partial
        if let given = partial["id"] {
            guard let id = given.int ?? given.string.flatMap({ Int($0) }) else { throw AdminError("feed ids are integers") }
            partial["id"] = .number(Double(id))
        }
        let id = partial["id"]?.int ?? (state.items.compactMap { $0["id"]?.int }.max() ?? 0) + 1
        let defaults: [String: JSONValue] = [
            "id": .number(Double(id)), "type": "mention", "title": .string("Notification \(id)"), "message": "",
            "read": false, "created_at": .string(Timestamp.format(created)),
            "url": .string("/feed/objects/\(id)"), "link": .string("/t/\(id)"),
        ]
        return (ItemDefaults.fill(partial, with: defaults), created)
    }

    func sampleItems(count: Int, now: Date) -> [[String: JSONValue]] {
        let types = ["mention", "follow", "favourite", "reply"]
        return (0..<count).map { index in
            ItemDefaults.sample([["type": .string(types[index % types.count])]], index: index, now: now,
                                createdAt: { Timestamp.format($0) }, readKey: "read", unreadValue: false)
        }
    }

    func render(_ item: StoredItem, caller: Caller) -> JSONValue { .object(item.fields) }

    func isRead(_ item: StoredItem) -> Bool { item["read"]?.bool == true }

    func markRead(_ item: inout StoredItem, at date: Date) { item["read"] = true }
}
