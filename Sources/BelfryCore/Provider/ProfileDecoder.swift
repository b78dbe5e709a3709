/// Turns a preset (TOML text) plus a source's `[source.profile]` overrides into a `ProviderProfile`,
/// refusing unknown keys and bad values with the key and the reason.
enum ProfileDecoder {
    /// `overrides` is the source's `profile` table (or nil). Errors go to `reader` under `label`.
    static func resolve(preset: String, overrides: ConfigNode?, reader: ConfigReader, label: String,
                        sourceIndex: Int) -> ProviderProfile? {
        var base = ConfigNode.table([:])
        if let text = Presets.all[preset] {
            // Presets are compiled in; one that does not parse is a bug caught by the tests.
            base = (try? ConfigNode.parse(toml: text, file: "preset \(preset)")) ?? .table([:])
        }
        let merged = overrides.map { base.merged(with: $0) } ?? base
        guard case .table(let top) = merged else { return nil }
        let before = reader.errors.count
        func table(_ section: ConfigSection, _ values: [String: ConfigNode], _ sub: String?) -> ConfigReader.Table {
            let header = ["source", "profile"] + (sub.map { [$0] } ?? [])
            let t = ConfigReader.Table(reader: reader, section: section, values: values,
                                       label: label + ".profile" + (sub.map { ".\($0)" } ?? ""), header: header, index: sourceIndex)
            t.checkKeys()
            return t
        }
        let t = table(ProfileSchema.top, top, nil)
        func subtable(_ key: String, _ section: ConfigSection) -> ConfigReader.Table? {
            guard let node = t.table(key), case .table(let values) = node else { return nil }
            return table(section, values, key)
        }
        func endpoint(_ s: ConfigReader.Table?) -> ProviderProfile.Endpoint? {
            ProfileEndpointDecoder.endpoint(s)
        }

        let listT = subtable("list", ProfileSchema.list)
        let pagingT = subtable("paging", ProfileSchema.paging) ?? table(ProfileSchema.paging, [:], "paging")
        let fieldsT = subtable("fields", ProfileSchema.fields) ?? table(ProfileSchema.fields, [:], "fields")
        let markT = subtable("mark_read", ProfileSchema.markRead)
        let streamT = subtable("stream", ProfileSchema.stream)

        guard let list = endpoint(listT) else {
            reader.fail("a profile needs [source.profile.list] with a path (preset = \"custom\" writes the whole profile; see docs/profiles.md)",
                        key: label + ".profile.list.path", table: ["source"], index: sourceIndex, lineKey: "preset")
            return nil
        }
        let fields = ProviderProfile.Fields(
            id: fieldsT.paths("id") ?? [], type: fieldsT.paths("type") ?? [], title: fieldsT.paths("title") ?? [],
            body: fieldsT.paths("body") ?? [], link: fieldsT.paths("link") ?? [],
            createdAt: fieldsT.paths("created_at") ?? [], updatedAt: fieldsT.paths("updated_at") ?? [],
            isRead: fieldsT.paths("is_read") ?? [], isUnread: fieldsT.paths("is_unread") ?? [], readAt: fieldsT.paths("read_at") ?? [],
            count: fieldsT.paths("count") ?? [], severity: fieldsT.paths("severity") ?? [],
            linkAPI: fieldsT.paths("link_api") ?? [], linkAPIHTML: fieldsT.string("link_api_html") ?? "html_url",
            linkRewrite: ProfileEndpointDecoder.linkRewrite(fieldsT),
            revision: fieldsT.paths("revision") ?? [])
        if fields.id.isEmpty { fieldsT.fail("id", "must name where the item id is") }
        let paging = ProviderProfile.Paging(
            style: ProviderProfile.PagingStyle(rawValue: pagingT.string("style") ?? "none") ?? .none,
            limitParam: pagingT.string("limit_param") ?? "", limit: pagingT.int("limit") ?? 50,
            offsetParam: pagingT.string("offset_param") ?? "offset", pageParam: pagingT.string("page_param") ?? "page",
            firstPage: pagingT.int("first_page") ?? 1, cursorParam: pagingT.string("cursor_param") ?? "cursor",
            nextCursor: pagingT.string("next_cursor") ?? "",
            cursorFromLastItem: pagingT.string("cursor_from") == "last_item", hasMore: pagingT.string("has_more") ?? "",
            maxPages: pagingT.int("max_pages") ?? 20,
            nextFrom: ProviderProfile.NextFrom(rawValue: pagingT.string("next_from") ?? "style") ?? .style,
            totalHeader: pagingT.string("total_header") ?? "", total: pagingT.string("total") ?? "")
        if paging.nextFrom == .xNextPage, paging.pageParam.isEmpty { pagingT.fail("page_param", "must name the page parameter when next_from = \"x_next_page\"") }
        if paging.nextFrom == .body, paging.nextCursor.isEmpty { pagingT.fail("next_cursor", "must name the response path of the next cursor or URL when next_from = \"body\"") }
        var markRead: ProviderProfile.MarkRead?
        if let markT, let ep = endpoint(markT) {
            markRead = .init(endpoint: ep, batch: markT.int("batch") ?? 0, bodyKey: markT.string("body_key") ?? "ids",
                             doneStatuses: markT.ints("done_statuses") ?? [])
            ProfileEndpointDecoder.checkMarkRead(markRead!, markT)
        }
        let markAllT = subtable("mark_all_read", ProfileSchema.markAllRead)
        let markAllRead = endpoint(markAllT)
        if let markAllT, let markAllRead, let body = markAllRead.body, body.isPerItem || body.text.firstRange(of: "{ids}") != nil {
            markAllT.fail("body", "mark_all_read knows no item: only {last_id} (the newest item seen) is allowed")
        }
        var listFormat = ProviderProfile.ListFormat.json
        var items = t.string("items") ?? "items"
        if let listT, let format = listT.string("format").flatMap(ProviderProfile.ListFormat.init(rawValue:)) {
            listFormat = format
            if format == .jsonLines {
                if t.values["items"] == nil { items = "." } else if items != "." {
                    t.fail("items", "\"\(items)\" but list.format = \"json_lines\" makes each line one item: set items = \".\" (or leave it out)")
                }
                if pagingT.string("style") != "none" {
                    pagingT.fail("style", "a json_lines listing is one answer: paging.style must be \"none\"")
                }
            }
        }
        var stream: ProviderProfile.Stream?
        if let streamT, let ep = endpoint(streamT) {
            stream = .init(endpoint: ep, event: streamT.string("event") ?? "message",
                           keepalive: streamT.duration("keepalive") ?? .seconds(15))
        }
        let defaultBase = t.string("default_base_url") ?? ""
        let profile = ProviderProfile(
            authHeader: t.string("auth_header") ?? "Authorization", authScheme: t.string("auth_scheme") ?? "Bearer",
            authHeaders: ProfileEndpointDecoder.authHeaders(t),
            errorMessage: t.paths("error_message") ?? [], typeParam: t.string("type_param") ?? "",
            list: list, listFormat: listFormat, items: items, bodyIsHTML: t.bool("body_is_html") ?? false, paging: paging, fields: fields,
            severity: t.stringMap("severity") ?? [:], markRead: markRead,
            markAllRead: markAllRead,
            unreadCount: endpoint(subtable("unread_count", ProfileSchema.unreadCount)),
            unreadCountField: t.string("unread_count_field") ?? "unread_count",
            stream: stream, defaultBaseURL: defaultBase.isEmpty ? nil : defaultBase, notes: t.strings("notes") ?? [])
        return reader.errors.count == before ? profile : nil
    }
}
