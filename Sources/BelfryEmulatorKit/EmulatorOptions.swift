/// How an `Emulator` listens and what it starts with.
public struct EmulatorOptions: Sendable {
    /// Address to bind; loopback by default.
    public var host: String
    /// Port to bind; 0 lets the system choose (read it back from `Emulator.start()`).
    public var port: Int
    /// The bearer token the API accepts as a logged-in user (a JWT for aira and visual-layer).
    public var token: String
    /// aira only: a second accepted token that behaves like an API key (no per-user read state).
    public var apiKeyToken: String?
    /// Number of sample items, taken from the provider document's own examples, present at start.
    public var seed: Int
    /// visual-layer only: how often the SSE stream sends `event: ping`.
    public var ssePingInterval: Duration
    /// When set, the API authenticates by these headers instead of `Authorization: Bearer`: every one
    /// must be present, `{token}` in a value standing for `token` (Discourse's `Api-Key` +
    /// `Api-Username`). See docs/emulator.md.
    public var authHeaders: [String: String]

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        token: String = "test-token",
        apiKeyToken: String? = nil,
        seed: Int = 0,
        ssePingInterval: Duration = .seconds(3),
        authHeaders: [String: String] = [:]
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.apiKeyToken = apiKeyToken
        self.seed = seed
        self.ssePingInterval = ssePingInterval
        self.authHeaders = authHeaders
    }
}
