/// Follows redirects for GET requests (listing, count, stream) over another transport, at most
/// `maxRedirects` hops, and keeps the credentials at home: a hop to an origin outside `trusted`
/// goes without the headers that carry the request's secrets. libcurl's own following
/// (CURLOPT_FOLLOWLOCATION) is never used: it sends custom auth headers (PRIVATE-TOKEN, Api-Key) to
/// any host.
///
/// Clear errors (`HTTPError.Code.redirect`) name both hosts: a loop, too many hops, a hop that is not
/// http(s), and a hop to an untrusted origin that refused the request without the token (401/403).
/// Other methods (mark-read) get the 3xx as it is.
public struct RedirectingTransport: HTTPTransport {
    public var base: any HTTPTransport
    /// The origins that may receive the credentials: the source's own, and any the profile names.
    public var trusted: Set<HTTPOrigin>
    public var maxRedirects: Int

    public static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    public init(base: any HTTPTransport, trusted: Set<HTTPOrigin>, maxRedirects: Int = 5) {
        self.base = base
        self.trusted = trusted
        self.maxRedirects = maxRedirects
    }

    /// The transport for a source at `baseURL`, trusting its origin and `extraOrigins` (absolute URLs
    /// the profile names, such as a stream URL on another host).
    public static func forSource(_ base: any HTTPTransport, baseURL: String, extraOrigins: [String] = []) -> RedirectingTransport {
        RedirectingTransport(base: base, trusted: Set(([baseURL] + extraOrigins).compactMap(HTTPOrigin.init(url:))))
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var hops = Hops(first: request, policy: self)
        while true {
            let response = try await base.send(hops.current)
            guard let next = try hops.next(after: response.status, location: response.header("Location")) else { return response }
            hops.current = next
        }
    }

    public func stream(_ request: HTTPStreamRequest) -> AsyncThrowingStream<HTTPStreamPart, Error> {
        let base = self.base
        let policy = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                var hops = Hops(first: request.request, policy: policy)
                do {
                    hop: while true {
                        var r = request
                        r.request = hops.current
                        for try await part in base.stream(r) {
                            if case .head(let status, let headers) = part {
                                let location = HTTPResponse(status: status, headers: headers).header("Location")
                                if let next = try hops.next(after: status, location: location) {
                                    hops.current = next
                                    continue hop  // leaving the loop ends that transfer
                                }
                            }
                            continuation.yield(part)
                        }
                        break
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The hops of one request: where it is now, where it has been, whether it still carries its
    /// credentials.
    struct Hops {
        var current: HTTPRequest
        let policy: RedirectingTransport
        var visited: [String]
        /// The request went to an untrusted origin without its credentials: a refusal there is ours to name.
        var stripped = false

        init(first: HTTPRequest, policy: RedirectingTransport) {
            current = first
            self.policy = policy
            visited = [first.url]
        }

        /// The request for the next hop, nil when `status` ends the chain; throws the clear errors.
        mutating func next(after status: Int, location: String?) throws(HTTPError) -> HTTPRequest? {
            let from = HTTPOrigin(url: current.url).map(\.description) ?? current.url
            if stripped, status == 401 || status == 403 {
                let first = HTTPOrigin(url: visited[0]).map(\.description) ?? visited[0]
                throw HTTPError(.redirect, "redirected from \(first) to \(from), which answered \(status) without the token; "
                                + "the token goes only to the source's own origin or one the profile names")
            }
            guard RedirectingTransport.redirectStatuses.contains(status), current.method.uppercased() == "GET",
                  let location else { return nil }
            guard let target = HTTPOrigin.resolve(location, against: current.url), let origin = HTTPOrigin(url: target) else {
                throw HTTPError(.redirect, "\(from) redirected to \"\(String(location.prefix(200)))\", which is not an http(s) URL")
            }
            if visited.contains(target) {
                throw HTTPError(.redirect, "redirect loop between \(from) and \(origin) (back to \(target))")
            }
            guard visited.count <= policy.maxRedirects else {
                throw HTTPError(.redirect, "more than \(policy.maxRedirects) redirects, from \(visited[0]) to \(origin)")
            }
            visited.append(target)
            var next = current
            next.url = target
            if !policy.trusted.contains(origin) {
                let before = next.headers.count
                next.headers.removeAll { h in current.secrets.contains(h.value) }
                if next.headers.count != before { stripped = true }
            }
            return next
        }
    }
}
