import BelfryCore

extension Agent {
    /// The `list` answer: `{"items": [Item…], "total": n, "more": bool, "next": cursor|null}`.
    /// `total` counts every unread item of the query's source(s), not only this page; `next` is set
    /// when more items follow this page (pass it back as `after`).
    public func listJSON(_ query: ListQuery) -> JSONValue {
        let all = unreadItems(source: query.source)
        var rest = all[...]
        if let after = query.after {
            // Newest first: the page goes on with the first item that sorts below the cursor.
            let start = all.firstIndex { ($0.createdAt ?? 0, $0.key) < (after.createdAt, after.key) } ?? all.endIndex
            rest = all[start...]
        }
        let page = query.limit.map { rest.prefix($0) } ?? rest
        let more = page.count < rest.count
        let next: JSONValue = more
            ? page.last.map { .string(ListQuery.Cursor(createdAt: $0.createdAt ?? 0, key: $0.key).text) } ?? .null
            : .null
        return [
            "items": .array(page.map(Agent.itemJSON)), "total": .number(Double(all.count)),
            "more": .bool(more), "next": next,
        ]
    }
}
