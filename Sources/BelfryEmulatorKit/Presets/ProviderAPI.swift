import BelfryCore
import FoundationEssentials
import HTTPTypes
import Hummingbird

/// What the emulator shares with a preset's routes.
struct EmulatorEnvironment: Sendable {
    let state: EmulatorState
    let options: EmulatorOptions
    let api: any ProviderAPI
}

/// One provider's API: its item format, its paths and its error format. Everything else (admin
/// surface, faults, call log, auth) is shared and lives outside the presets.
protocol ProviderAPI: Sendable {
    var preset: EmulatorPreset { get }

    /// A complete item from an admin-posted partial one: missing fields filled in the provider's style.
    func makeItem(_ partial: [String: JSONValue], now: Date, state: EmulatorState) throws(AdminError)
        -> (fields: [String: JSONValue], created: Date)

    /// Partial items for `--seed N`, taken from the provider document's own examples, newest first.
    func sampleItems(count: Int, now: Date) -> [[String: JSONValue]]

    /// The item as the API renders it to `caller`.
    func render(_ item: StoredItem, caller: Caller) -> JSONValue

    /// The order the list endpoint uses.
    func listOrder(_ items: [StoredItem]) -> [StoredItem]

    func isRead(_ item: StoredItem) -> Bool
    func markRead(_ item: inout StoredItem, at date: Date)

    /// A coalescing repeat (`POST /_emulator/items/{id}/repeat`); only taskrunner has one.
    func repeatOccurrence(_ item: inout StoredItem, at date: Date) throws(AdminError)

    /// The SSE event for a newly stored item, for presets that stream.
    func streamEvent(_ item: StoredItem) -> (datasetID: String?, id: String, text: String)?

    /// `error` in the provider's own error format.
    func errorResponse(_ error: APIError, request: Request) -> Response

    func addRoutes(to router: Router<EmulatorRequestContext>, env: EmulatorEnvironment)
}

extension ProviderAPI {
    func listOrder(_ items: [StoredItem]) -> [StoredItem] { items.newestFirst() }

    func repeatOccurrence(_ item: inout StoredItem, at date: Date) throws(AdminError) {
        throw AdminError("repeat (coalescing) exists only in the taskrunner preset", status: 409)
    }

    func streamEvent(_ item: StoredItem) -> (datasetID: String?, id: String, text: String)? { nil }

    /// Common fault/HTTP error wording and the Retry-After header.
    func retryHeaders(_ error: APIError) -> HTTPFields {
        var headers: HTTPFields = [:]
        if let retryAfter = error.retryAfter { headers[HTTPField.Name("Retry-After")!] = retryAfter }
        if error.kind == .unauthorized { headers[HTTPField.Name("WWW-Authenticate")!] = "Bearer" }
        return headers
    }

    /// The `created_at` of a partial item, or `now`.
    func createdDate(_ partial: [String: JSONValue], now: Date) throws(AdminError) -> Date {
        guard let value = partial["created_at"], !value.isNull else { return now }
        guard let text = value.string, let date = Timestamp.parse(text) else {
            throw AdminError("created_at must be an ISO 8601 timestamp")
        }
        return date
    }
}

extension EmulatorPreset {
    var api: any ProviderAPI {
        switch self {
        case .jaot: JaotAPI()
        case .aira: AiraAPI()
        case .taskrunner: TaskrunnerAPI()
        case .bytespike: BytespikeAPI()
        case .visualLayer: VisualLayerAPI()
        case .feed: FeedAPI()
        }
    }
}

/// Reason phrases for the status codes the emulator answers with.
func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 409: "Conflict"
    case 422: "Unprocessable Entity"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    case 504: "Gateway Timeout"
    default: "Error"
    }
}

/// A short snake_case code for a status, for providers whose errors carry one (`service_unavailable`).
func errorCode(_ status: Int) -> String {
    switch status {
    case 422: "validation_error"
    case 429: "rate_limited"
    case 500: "internal_error"
    default: reasonPhrase(status).lowercased().split(separator: " ").joined(separator: "_")
    }
}
