import BelfryCore
import FoundationEssentials
import Hummingbird

/// In front of every API route (not the admin surface): records the call, plays a queued fault,
/// checks the bearer token, and renders `APIError`s in the preset's own format.
struct APIGateMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let env: EmulatorEnvironment

    static let requestKinds: Set<Fault.Kind> = [.status, .malformed, .truncated, .hang, .oversize, .echoCredential, .raw, .rateLimit]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if path == AdminRoutes.prefix || path.hasPrefix(AdminRoutes.prefix + "/") {
            return try await next(request, context)
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let token = env.options.authHeaders.isEmpty ? Self.bearerToken(request) : HeaderAuth.token(request, env.options)
        let caller = caller(for: token)
        let fault = env.state.consumeFault(method: request.method.rawValue, path: path, kinds: Self.requestKinds)
        env.state.record(
            CallRecord(
                method: request.method.rawValue, path: path, query: QueryParameters(request: request).all,
                queryPairs: QueryParameters(request: request).pairs, headers: HeaderAuth.headers(request),
                authorized: caller != nil, token: token, body: String(buffer: body),
                at: Timestamp.format(Date(), fractional: true), fault: fault?.kind.rawValue))

        if let fault {
            return try await FaultResponder(env: env).respond(to: fault, request: request, context: context)
        }
        guard let caller else {
            return env.api.errorResponse(.unauthorized("Missing or invalid credentials"), request: request)
        }
        var context = context
        context.caller = caller
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return env.api.errorResponse(error, request: request)
        }
    }

    /// The token of `Authorization: Bearer <token>`; nil when absent or another scheme.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].filter { $0 != " " && $0 != "\t" }
        return token.isEmpty ? nil : String(token)
    }

    private func caller(for token: String?) -> Caller? {
        guard let token else { return nil }
        if let apiKey = env.options.apiKeyToken, token == apiKey { return .apiKey }
        return token == env.options.token ? .user : nil
    }
}
