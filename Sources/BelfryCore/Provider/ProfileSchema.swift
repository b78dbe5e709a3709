/// The keys of a provider profile (`[source.profile]` and its sub-tables), in the same table form as
/// `ConfigSchema`, so a bad profile is refused with the key and the reason.
public enum ProfileSchema {
    static func endpoint(_ name: String, _ doc: String, extra: [Setting] = []) -> ConfigSection {
        ConfigSection(name: name, isArray: false, doc: doc, settings: [
            Setting("method", .oneOf(["GET", "POST", "PUT", "PATCH", "DELETE"]), default: .string("GET"), doc: "HTTP method"),
            Setting("path", .string, default: .string(""), doc: "path below base_url; {id} is the item id; \"\" = not offered"),
            Setting("query", .stringMap(values: []), default: .table([:]),
                    doc: "fixed query parameters; an array sends the key once per value (\"exclude_types[]\" = [\"follow\", \"favourite\"])"),
        ] + extra)
    }

    public static let top = ConfigSection(name: "profile", isArray: false, doc: "A provider profile.", settings: [
        Setting("auth_header", .string, default: .string("Authorization"), doc: "header that carries the token"),
        Setting("auth_scheme", .string, default: .string("Bearer"), doc: "sent as \"<scheme> <token>\"; \"\" sends the token alone"),
        Setting("auth_headers", .stringMap(values: []), default: .table([:]),
                doc: "headers sent on every request, {token} standing for the token, e.g. { \"Api-Key\" = \"{token}\", \"Api-Username\" = \"system\" }; when a value holds {token}, auth_header/auth_scheme are not sent"),
        Setting("error_message", .paths, default: .array(["detail", "error.message", "message", "title", "error"].map { .string($0) }),
                doc: "response paths tried for a human error message"),
        Setting("type_param", .string, default: .string(""), doc: "query parameter that filters one type on the server (\"\" = filter locally only)"),
        Setting("items", .string, default: .string("items"), doc: "response path of the items array (\".\" when the response is the array)"),
        Setting("body_is_html", .bool, default: .bool(false), doc: "the body field holds HTML: tags are stripped, entities decoded"),
        Setting("unread_count_field", .string, default: .string("unread_count"), doc: "response path of the unread-count number"),
        Setting("default_base_url", .string, default: .string(""), doc: "base_url when a source sets none"),
        Setting("notes", .strings(allowed: []), default: .array([]), doc: "remarks `belfry check` prints"),
        Setting("list", .table, doc: "the list endpoint"),
        Setting("paging", .table, doc: "how to page through the list"),
        Setting("fields", .table, doc: "where each Item field lives in one item's JSON"),
        Setting("severity", .stringMap(values: ConfigSchema.urgencyNames), default: .table([:]), doc: "provider severity → urgency"),
        Setting("mark_read", .table, doc: "mark one (or a batch) read"),
        Setting("mark_all_read", .table, doc: "mark everything read"),
        Setting("unread_count", .table, doc: "the unread counter"),
        Setting("stream", .table, doc: "a Server-Sent Events stream of new items"),
    ])

    static let bodySettings = [
        Setting("body", .string, default: .string(""),
                doc: "a body template: {id} the item id, {ids} the ids as a JSON array, {last_id} the greatest id; in JSON the template quotes or not ('{\"id\": {id}}' sends a number). \"\" = none"),
        Setting("body_format", .oneOf(["json", "form"]), default: .string("json"), doc: "json | form (application/x-www-form-urlencoded)"),
    ]
    public static let list = endpoint("list", "GET the unread items.", extra: [
        Setting("format", .oneOf(["json", "json_lines"]), default: .string("json"),
                doc: "json | json_lines (one item object per line, as ntfy's /json?poll=1; items must then be \".\")"),
    ])
    public static let markAllRead = endpoint("mark_all_read", "Mark everything read.", extra: bodySettings)
    public static let unreadCount = endpoint("unread_count", "The unread counter.")
    public static let markRead = endpoint("mark_read", "Mark items read.", extra: [
        Setting("batch", .int(0...10_000), default: .int(0), doc: "0 = one request per id; N = up to N ids per request in a JSON body"),
        Setting("body_key", .string, default: .string("ids"), doc: "with batch > 0 and no body: the body is {\"<body_key>\": [ids]}"),
        Setting("done_statuses", .ints, default: .array([]), doc: "statuses that mean it was already read (counted as done)"),
    ] + bodySettings)
    public static let stream = endpoint("stream", "Server-Sent Events of new items.", extra: [
        Setting("url", .string, default: .string(""),
                doc: "an absolute stream URL instead of path (a streaming host); its origin is trusted with the token"),
        Setting("event", .string, default: .string("message"),
                doc: "the event type whose data is one item's JSON (\"message\" also matches events without an event: line)"),
        Setting("keepalive", .duration(min: .milliseconds(100)), default: .string("15s"),
                doc: "how often the server sends something; silence for 3x this reconnects"),
    ])
    public static let paging = ConfigSection(name: "paging", isArray: false, doc: "Paging.", settings: [
        Setting("style", .oneOf(["none", "offset", "page", "cursor"]), default: .string("none"), doc: "none | offset | page | cursor"),
        Setting("limit_param", .string, default: .string("limit"), doc: "page size parameter (\"\" = none)"),
        Setting("limit", .int(1...10_000), default: .int(50), doc: "page size asked for"),
        Setting("offset_param", .string, default: .string("offset"), doc: "offset style: the offset parameter"),
        Setting("page_param", .string, default: .string("page"), doc: "page style: the page number parameter"),
        Setting("first_page", .int(0...1), default: .int(1), doc: "page style: number of the first page"),
        Setting("cursor_param", .string, default: .string("cursor"), doc: "cursor style: parameter carrying the cursor"),
        Setting("next_cursor", .string, default: .string("next_cursor"), doc: "cursor style: response path of the next cursor"),
        Setting("cursor_from", .oneOf(["response", "last_item"]), default: .string("response"),
                doc: "cursor style: take the next cursor from next_cursor, or use the last item's id (max_id style)"),
        Setting("has_more", .string, default: .string(""), doc: "response path of a more-pages flag (\"\" = a short page ends)"),
        Setting("max_pages", .int(1...1000), default: .int(20), doc: "never read more pages than this in one poll (a cut listing closes nothing)"),
        Setting("next_from", .oneOf(["style", "link_header", "x_next_page", "body"]), default: .string("style"),
                doc: "where a next page is announced: style (has_more / next_cursor / a short page ends) | link_header (Link rel=\"next\") | x_next_page | body (next_cursor: cursor or URL)"),
        Setting("total_header", .string, default: .string(""), doc: "response header with the listing's total (X-Total, X-Total-Count); counts what max_pages cut"),
        Setting("total", .string, default: .string(""), doc: "response path of the listing's total (\"\" = none); counts what max_pages cut"),
    ])
    public static let fields = ConfigSection(name: "fields", isArray: false, doc: "Item fields.", settings: [
        Setting("id", .paths, default: .string("id"), doc: "the item's identity"),
        Setting("type", .paths, default: .string("type"), doc: "type, for filters and urgency"),
        Setting("title", .paths, default: .string("title"), doc: "popup title"),
        Setting("body", .paths, default: .string("body"), doc: "popup body"),
        Setting("link", .paths, default: .string("link"), doc: "deep link (relative links resolve against web_url)"),
        Setting("created_at", .paths, default: .string("created_at"), doc: "creation time (RFC 3339)"),
        Setting("updated_at", .paths, default: .array([]), doc: "last activity time: a later one on a known id pops again (its revision)"),
        Setting("is_read", .paths, default: .array([]), doc: "boolean read flag"),
        Setting("is_unread", .paths, default: .array([]), doc: "boolean unread flag (the inverse, as Gitea has)"),
        Setting("read_at", .paths, default: .array([]), doc: "read timestamp, null or absent while unread"),
        Setting("count", .paths, default: .array([]), doc: "occurrence count of a coalescing item"),
        Setting("severity", .paths, default: .array([]), doc: "provider severity, mapped through [profile.severity]"),
        Setting("link_api", .paths, default: .array([]),
                doc: "an API URL whose answer holds the web link: fetched with the source's auth on click only"),
        Setting("link_api_html", .string, default: .string("html_url"), doc: "path of the web link in the link_api answer"),
        Setting("link_rewrite", .stringMap(values: []), default: .table([:]),
                doc: "text → replacement turning a link_api URL into a web link (longest first), the fallback when the lookup fails"),
        Setting("revision", .paths, default: .array([]), doc: "revision (integer or RFC 3339 time), when better than updated_at/count: a higher one pops again"),
    ])
}

extension ProfileSchema {
    public static let sections: [(String, ConfigSection)] = [
        ("[source.profile]", top), ("[source.profile.list]", list), ("[source.profile.paging]", paging),
        ("[source.profile.fields]", fields), ("[source.profile.mark_read]", markRead),
        ("[source.profile.mark_all_read]", markAllRead), ("[source.profile.unread_count]", unreadCount),
        ("[source.profile.stream]", stream),
    ]

    /// The key reference of docs/profiles.md, generated so the docs cannot drift from the decoder.
    public static func referenceMarkdown() -> String {
        var out = ""
        for (header, section) in sections {
            out += "\n### `\(header)`\n\n| key | default | meaning |\n|---|---|---|\n"
            for s in section.settings where s.kind != .table {
                let def = s.defaultValue.map { "`\($0.tomlLiteral)`" } ?? ""
                out += "| `\(s.key)` | \(def) | \(s.doc.replacingAll("|", with: "\\|")) |\n"
            }
        }
        return out
    }
}
