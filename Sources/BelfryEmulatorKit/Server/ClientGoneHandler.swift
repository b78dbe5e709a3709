import NIOCore

/// Tells when the client has gone: Hummingbird allows half-closed connections, so a client that
/// closes its side leaves the channel active; a response that sends nothing (a hang, a stalled
/// stream) would never notice. Put first in the pipeline, this handler sees the input close.
final class ClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    private let onGone: @Sendable () -> Void

    init(onGone: @escaping @Sendable () -> Void) {
        self.onGone = onGone
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { onGone() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        onGone()
        context.fireChannelInactive()
    }

    /// Installs a handler on `channel` that calls `onGone` once the client closes or the channel ends.
    static func watch(_ channel: any Channel, onGone: @escaping @Sendable () -> Void) async {
        channel.closeFuture.whenComplete { _ in onGone() }
        try? await channel.pipeline.addHandler(ClientGoneHandler(onGone: onGone), position: .first)
    }
}
