/// How to talk to one provider's notification API: endpoints, query, paging and where each Item field
/// lives in the JSON. Built-in presets and `preset = "custom"` are both written in this schema
/// (see `ProfileSchema` and docs/profiles.md).
public struct ProviderProfile: Sendable, Equatable {
    public struct Endpoint: Sendable, Equatable {
        public var method: String
        /// Relative to the source's base_url; `{id}` is replaced by the item id (percent-encoded).
        public var path: String
        public var query: [String: String]
        /// Query keys sent once per value, in order (`exclude_types[] = ["a", "b"]`).
        public var repeatedQuery: [String: [String]]
        /// An absolute URL that replaces base_url + path (`stream.url`); its origin is trusted for the token.
        public var url: String?
        /// The request body (mark_read, mark_all_read); nil sends none (or mark_read's `body_key` form).
        public var body: BodyTemplate?
        public init(method: String = "GET", path: String, query: [String: String] = [:],
                    repeatedQuery: [String: [String]] = [:], url: String? = nil, body: BodyTemplate? = nil) {
            self.method = method
            self.path = path
            self.query = query
            self.repeatedQuery = repeatedQuery
            self.url = url
            self.body = body
        }
    }

    /// How a list answer is framed: one JSON document, or one JSON object per line (ntfy's `poll=1`).
    public enum ListFormat: String, Sendable, Equatable { case json, jsonLines = "json_lines" }

    public enum PagingStyle: String, Sendable, Equatable { case none, offset, page, cursor }

    /// Where the service says a next page exists (see `ListingPager`).
    public enum NextFrom: String, Sendable, Equatable {
        /// The style's own rules: `has_more`, `next_cursor`, or a short page ends the listing.
        case style
        /// `Link: <url>; rel="next"` (GitHub, GitLab, Mastodon): that URL is fetched as it is.
        case linkHeader = "link_header"
        /// `X-Next-Page: n` (GitLab): sent as `page_param`; empty or absent ends the listing.
        case xNextPage = "x_next_page"
        /// The `next_cursor` body path: a cursor for `cursor_param`, or an absolute URL fetched as it is.
        case body
    }

    public struct Paging: Sendable, Equatable {
        public var style: PagingStyle
        public var limitParam: String
        public var limit: Int
        public var offsetParam: String
        public var pageParam: String
        public var firstPage: Int
        public var cursorParam: String
        /// Response path of the next cursor (cursor style); empty or absent ends paging.
        public var nextCursor: String
        /// True: the next cursor is the last item's id (max_id-style APIs such as Mastodon).
        public var cursorFromLastItem: Bool
        /// Response path of a "more pages" flag; when empty, a short page ends paging.
        public var hasMore: String
        public var maxPages: Int
        public var nextFrom: NextFrom = .style
        /// A response header holding the whole listing's count (`X-Total`, `X-Total-Count`); "" = none.
        public var totalHeader: String = ""
        /// Response path of the whole listing's count; "" = none.
        public var total: String = ""
    }

    public struct Fields: Sendable, Equatable {
        public var id: [String]
        public var type: [String]
        public var title: [String]
        public var body: [String]
        public var link: [String]
        public var createdAt: [String]
        public var updatedAt: [String]
        /// A boolean read flag, or…
        public var isRead: [String]
        /// …or a boolean unread flag (the inverse), or…
        public var isUnread: [String]
        /// …a timestamp that is null or absent while unread.
        public var readAt: [String]
        public var count: [String]
        public var severity: [String]
        /// An API URL whose answer names the web page (`html_url`): looked up on click, never before
        /// the popup (see `LinkResolver`).
        public var linkAPI: [String] = []
        /// The path of the web link in the `linkAPI` answer.
        public var linkAPIHTML: String = "html_url"
        /// Rewrites of the `linkAPI` URL into a web link, used when the lookup fails (and as the
        /// popup's link until a click).
        public var linkRewrite: [LinkRewrite] = []
        /// Where the item's revision is, when something better than `updatedAt`/`count` (see `Item.revision`).
        public var revision: [String] = []
    }

    /// Replace every `from` in a URL by `to`.
    public struct LinkRewrite: Sendable, Equatable {
        public var from: String
        public var to: String
        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    public struct MarkRead: Sendable, Equatable {
        public var endpoint: Endpoint
        /// 0: one request per item with `{id}` in the path; N > 0: up to N ids per request, sent as
        /// `{"<bodyKey>": [ids…]}`.
        public var batch: Int
        public var bodyKey: String
        /// Statuses that mean "already done" (visual-layer answers 404 for an already read item).
        public var doneStatuses: [Int]
    }

    public struct Stream: Sendable, Equatable {
        public var endpoint: Endpoint
        /// The SSE event type that carries one item as JSON.
        public var event: String
        public var keepalive: Duration
    }

    public var authHeader: String
    /// The value sent is "<scheme> <token>"; an empty scheme sends the token alone.
    public var authScheme: String
    /// Headers sent on every request; `{token}` in a value is the token, and such a value is a secret.
    /// When any value holds `{token}`, `authHeader`/`authScheme` are not sent.
    public var authHeaders: [String: String] = [:]
    /// Response paths tried, in order, for a human error message (`detail`, `error.message`, …).
    public var errorMessage: [String]
    /// When a source filters exactly one type, it is sent as this query parameter (empty: never).
    public var typeParam: String
    public var list: Endpoint
    public var listFormat: ListFormat = .json
    /// Response path of the items array.
    public var items: String
    /// The body holds HTML (Mastodon statuses): tags stripped, entities decoded.
    public var bodyIsHTML: Bool
    public var paging: Paging
    public var fields: Fields
    /// Provider severity value → urgency name.
    public var severity: [String: String]
    public var markRead: MarkRead?
    public var markAllRead: Endpoint?
    public var unreadCount: Endpoint?
    /// Response path of the number in the unread-count answer.
    public var unreadCountField: String
    public var stream: Stream?
    /// Used when the source sets no base_url.
    public var defaultBaseURL: String?
    /// Shown by `belfry check` (e.g. aira's "read state syncs only with a JWT").
    public var notes: [String]
}
