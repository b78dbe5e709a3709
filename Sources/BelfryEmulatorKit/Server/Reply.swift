import BelfryCore
import Hummingbird

/// Building JSON responses.
enum Reply {
    static func json(
        _ value: JSONValue,
        status: Int = 200,
        contentType: String = "application/json",
        headers extra: HTTPFields = [:]
    ) -> Response {
        var headers = extra
        headers[.contentType] = contentType
        return Response(
            status: .init(code: status),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: value.serialized()))
        )
    }

    /// An admin answer for a bad admin request.
    static func adminError(_ error: AdminError) -> Response {
        json(["error": .string(error.message)], status: error.status)
    }

    static func number(_ n: Int) -> JSONValue { .number(Double(n)) }
}
