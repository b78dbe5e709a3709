import BelfryCore
import FoundationEssentials
import Hummingbird

/// Admin routes for issue 15: list paging (`/paging`) and new activity on a known item
/// (`/items/{id}/reactivate`). See docs/emulator.md.
extension AdminRoutes {
    func addActivity(to group: RouterGroup<EmulatorRequestContext>) {
        let state = env.state
        let api = env.api
        group.post("/paging") { request, _ -> Response in
            try await Self.answer {
                let paging = try ListPaging(json: try await Self.json(request))
                state.with { $0.listPaging = paging }
                return Reply.json(paging.json)
            }
        }
        group.get("/paging") { _, _ -> Response in Reply.json(state.with { $0.listPaging }.json) }
        group.post("/items/{id}/reactivate") { request, context -> Response in
            try await Self.answer {
                let id = try Self.itemID(context, state)
                let body = try await Self.json(request)
                var at = Date()
                if let given = body["updated_at"], !given.isNull {
                    guard let text = given.string, let date = Timestamp.parse(text) else {
                        throw AdminError("updated_at must be an ISO 8601 timestamp")
                    }
                    at = date
                }
                let item = state.update(id: id) { item in
                    // Strictly later than before, as a new comment on a thread makes it.
                    if let old = item["updated_at"]?.string.flatMap(Timestamp.parse), old >= at { at = old.addingTimeInterval(1) }
                    item["updated_at"] = .string(Timestamp.format(at))
                    api.markUnread(&item)
                }
                return Reply.json(item.map { api.render($0, caller: .user) } ?? .null)
            }
        }
    }
}

extension ProviderAPI {
    /// Unread again, in the preset's own read key (`is_read`, `read`, or a null `read_at`).
    func markUnread(_ item: inout StoredItem) {
        if item["is_read"] != nil { item["is_read"] = false }
        if item["read"] != nil { item["read"] = false }
        if item["read_at"] != nil { item["read_at"] = .null }
    }
}
