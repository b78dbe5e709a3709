import BelfryCore
import FoundationEssentials
import HTTPTypes
import Hummingbird

/// The `rate_limit` fault: an exhausted limit as GitHub answers it (403 or 429, `x-ratelimit-limit`,
/// `-remaining: 0`, `-used`, `-reset` in epoch seconds, `-resource`, optional `Retry-After`, and a
/// message saying "rate limit"), in the preset's own error format.
struct RateLimitFault {
    let fault: Fault
    init(_ fault: Fault) { self.fault = fault }

    func response(env: EmulatorEnvironment, request: Request, now: Date = Date()) -> Response {
        var error = APIError(kind: .fault, status: fault.status, message: "API rate limit exceeded for user (emulated)")
        error.retryAfter = fault.retryAfter
        var response = env.api.errorResponse(error, request: request)
        let reset = Int(now.timeIntervalSince1970.rounded(.down)) + fault.resetIn
        response.headers[HTTPField.Name("X-RateLimit-Limit")!] = "60"
        response.headers[HTTPField.Name("X-RateLimit-Remaining")!] = "0"
        response.headers[HTTPField.Name("X-RateLimit-Used")!] = "60"
        response.headers[HTTPField.Name("X-RateLimit-Reset")!] = String(reset)
        response.headers[HTTPField.Name("X-RateLimit-Resource")!] = "core"
        return response
    }
}
