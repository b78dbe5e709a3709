import BelfryCore
import FoundationEssentials
import HTTPTypes
import Hummingbird

/// In front of the gate: an API request whose path matches a redirect set through `/_emulator/http`
/// is answered with that 3xx and `Location: <to><path>?<query>`, before authentication (as a real
/// service redirects a stream to its streaming host). Recorded in the call log with fault `redirect`.
struct RedirectMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let env: EmulatorEnvironment

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard !AdminRoutes.isAdmin(path),
              let rule = env.state.http.settings.redirects.first(where: { path.hasPrefix($0.pathPrefix) })
        else { return try await next(request, context) }
        let token = APIGateMiddleware.bearerToken(request)
        env.state.record(
            CallRecord(
                method: request.method.rawValue, path: path, query: QueryParameters(request: request).all,
                authorized: token != nil && token == env.options.token, token: token, body: "",
                at: Timestamp.format(Date(), fractional: true), fault: "redirect"))
        var location = rule.to.hasSuffix("/") ? String(rule.to.dropLast()) : rule.to
        location += path
        if let query = request.uri.query, !query.isEmpty { location += "?" + query }
        return Response(status: .init(code: rule.status), headers: [.location: location])
    }
}
