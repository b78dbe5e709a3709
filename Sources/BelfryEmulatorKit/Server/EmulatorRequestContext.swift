import Hummingbird
import NIOCore

/// Who a request authenticated as: a logged-in user (JWT) or, for aira, an API key.
enum Caller: Sendable {
    case user
    case apiKey
}

/// Request context of the emulator: Hummingbird's core storage, the connection (to notice a client
/// that left and to drop a connection on purpose) and the caller found by the API gate.
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var caller: Caller = .user

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
