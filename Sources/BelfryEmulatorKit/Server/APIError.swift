/// A failure of an API request, rendered by the preset in the provider's own error format.
struct APIError: Error, Sendable {
    enum Kind: Sendable {
        case unauthorized
        case notFound
        case invalid
        /// An injected fault (`POST /_emulator/faults` kind `status`).
        case fault
    }

    var kind: Kind
    var status: Int
    var message: String
    /// Where a validation error is, FastAPI-style: `["query", "limit"]`.
    var location: [String] = []
    /// The offending value as sent.
    var input: String?
    /// Machine-readable validation type (pydantic's `less_than_equal`, `bool_parsing`, …).
    var validation: String?
    var retryAfter: String?

    static func unauthorized(_ message: String) -> APIError {
        APIError(kind: .unauthorized, status: 401, message: message)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(kind: .notFound, status: 404, message: message)
    }

    static func invalid(
        _ message: String, status: Int, location: [String] = [], input: String? = nil, validation: String? = nil
    ) -> APIError {
        APIError(kind: .invalid, status: status, message: message, location: location, input: input, validation: validation)
    }
}
