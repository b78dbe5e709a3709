/// The built-in provider profiles, written as data in the same TOML schema a user writes under
/// `[source.profile]` (docs/profiles.md). Each follows its API doc in ../shared/providers/ field by field;
/// where a doc is silent the choice is marked "chosen:" and stays overridable per source.
public enum Presets {
    public static let all: [String: String] = [
        "jaot": jaot, "aira": aira, "taskrunner": taskrunner, "bytespike": bytespike, "visual-layer": visualLayer,
    ]

    public static let jaot = """
        items = "items"
        unread_count_field = "unread_count"
        [list]
        path = "/api/v2/notifications"
        query = { unread_only = "true" }
        [paging]
        style = "none"          # the API has no paging: ask for the documented maximum
        limit_param = "limit"
        limit = 100
        [fields]
        id = "id"
        type = "type"
        title = "title"
        body = "message"
        link = "link"
        created_at = "created_at"
        is_read = "is_read"
        [mark_read]
        method = "POST"
        path = "/api/v2/notifications/{id}/read"
        [mark_all_read]
        method = "POST"
        path = "/api/v2/notifications/read-all"
        [unread_count]
        path = "/api/v2/notifications/unread-count"
        """

    public static let aira = """
        items = "items"
        unread_count_field = "unread_count"
        notes = ["aira keeps read state only for JWT logins: with an API key every item reads unread and mark-read changes nothing on the service (Belfry's own state still shows each item once)"]
        [list]
        path = "/api/v1/notifications/pending"
        [paging]
        style = "none"          # capped by the service at 50 per type
        limit_param = ""
        [fields]
        id = "notification_key"
        type = "type"
        title = "title"
        body = "description"
        link = "href"
        created_at = "created_at"
        is_read = "read"
        [mark_read]
        method = "POST"
        path = "/api/v1/notifications/mark-read"
        batch = 100
        body_key = "notification_keys"
        [mark_all_read]
        method = "POST"
        path = "/api/v1/notifications/mark-all-read"
        [unread_count]
        path = "/api/v1/notifications/pending"   # chosen: no counter endpoint; the list carries unread_count
        """

    public static let taskrunner = """
        items = "items"
        default_base_url = "http://localhost:9477"
        auth_scheme = "Bearer"
        error_message = ["detail", "title"]
        notes = ["taskrunner documents no mark-read endpoint: read state stays local unless [source.profile.mark_read] names one"]
        [list]
        path = "/api/notifications"
        [paging]
        style = "cursor"
        limit_param = "limit"
        limit = 100
        cursor_param = "before"
        next_cursor = "next_cursor"
        max_pages = 20
        [fields]
        id = "id"
        type = "kind"
        title = "title"
        body = "body"
        link = ["/runs/{run_id}", "/tasks/{task_name}"]   # chosen: the doc has no link field
        created_at = "created_at"
        updated_at = "last_occurred_at"
        read_at = "read_at"
        count = "count"
        severity = "severity"
        [severity]
        info = "low"
        warn = "normal"
        error = "critical"
        """

    public static let bytespike = """
        items = "items"
        type_param = "type"
        unread_count_field = "count"
        error_message = ["error.message", "error.type"]
        [list]
        path = "/api/v1/me/notifications"
        query = { unread = "true" }
        [paging]
        style = "page"
        page_param = "page"
        first_page = 1
        limit_param = "page_size"
        limit = 200
        max_pages = 20
        [fields]
        id = "id"
        type = "type"
        title = "title"
        body = "body"
        link = "link"
        created_at = "created_at"
        read_at = "read_at"
        [mark_read]
        method = "POST"
        path = "/api/v1/me/notifications/{id}/mark-read"
        [mark_all_read]
        method = "POST"
        path = "/api/v1/me/notifications/mark-all-read"
        [unread_count]
        path = "/api/v1/me/notifications/unread-count"
        """

    // Paths are not in the visual-layer doc: chosen to follow its other REST APIs (/api/v1/…).
    public static let visualLayer = """
        items = "items"
        unread_count_field = "count"
        error_message = ["detail.0.msg", "detail", "message"]
        [list]
        path = "/api/v1/notifications"
        query = { unread_only = "true" }
        [paging]
        style = "offset"
        limit_param = "limit"
        limit = 100
        offset_param = "offset"
        has_more = "has_more"
        max_pages = 20
        [fields]
        id = "id"
        type = "entity_type"
        title = ["title", "New results in {metadata.view_name}"]
        body = ["message", "{metadata.result_count} new results in {metadata.dataset_name}"]
        link = ["/dataset/{dataset_id}/data?view_id={entity_id}"]
        created_at = "created_at"
        read_at = "read_at"
        [mark_read]
        method = "POST"
        path = "/api/v1/notifications/{id}/read"
        done_statuses = [404]
        [mark_all_read]
        method = "POST"
        path = "/api/v1/notifications/read-all"
        [unread_count]
        path = "/api/v1/notifications/unread-count"
        [stream]
        path = "/api/v1/notifications/stream"
        event = "notification"
        keepalive = "3s"
        """
}
