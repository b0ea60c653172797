import Prometheus
import NIOCore

/// Tells a connection's `AmplificationGuardHandler` that the peer authenticated (or asked for an exempt endpoint):
/// from now on its answers are not limited by what it sent. Sent with `triggerUserOutboundEvent`, in order with the
/// connection's writes.
struct ConnectionAuthenticated: Sendable {}

/// The first handler above TLS on every connection of the signaling/API listener: until the connection
/// authenticates, it never writes more plaintext bytes than it has read (`AmplificationBudget`). Writes are held
/// until the next flush and go out together only if they fit; an answer that does not fit is not written at all and
/// the connection is closed (counted in `trtc_amplification_closes_total`). Answers meant for unauthenticated
/// peers are made to fit beforehand (`SignalingSession.sendError`); this is the rule that holds whatever they do.
final class AmplificationGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private var budget = AmplificationBudget()
    /// Writes since the last flush, held while the budget applies.
    private var held: [(data: NIOAny, promise: EventLoopPromise<Void>?)] = []
    private var heldBytes = 0
    private let closes: Counter

    init(closes: Counter) {
        self.closes = closes
    }

    /// Bytes that an answer written now may have (`Int.max` once authenticated).
    var remaining: Int { budget.isLifted ? .max : budget.remaining - heldBytes }
    var isLifted: Bool { budget.isLifted }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        budget.receive(unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !budget.isLifted else { return context.write(data, promise: promise) }
        heldBytes += unwrapOutboundIn(data).readableBytes
        held.append((data, promise))
    }

    func flush(context: ChannelHandlerContext) {
        if !held.isEmpty {
            switch budget.send(heldBytes) {
            case .send:
                writeHeld(context)
            case .refuse:
                closes.increment()
                failHeld(AmplificationLimitReached())
                context.close(promise: nil)
                return
            }
        }
        context.flush()
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is ConnectionAuthenticated else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        budget.lift()
        // What was written before goes first: later writes pass straight through.
        writeHeld(context)
        promise?.succeed()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode != .input { failHeld(ChannelError.ioOnClosedChannel) }
        context.close(mode: mode, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failHeld(ChannelError.ioOnClosedChannel)
    }

    private func writeHeld(_ context: ChannelHandlerContext) {
        let writes = held
        held = []
        heldBytes = 0
        for write in writes { context.write(write.data, promise: write.promise) }
    }

    private func failHeld(_ error: any Error) {
        let writes = held
        held = []
        heldBytes = 0
        for write in writes { write.promise?.fail(error) }
    }
}

/// An unauthenticated connection's answer would have sent more bytes than it received.
struct AmplificationLimitReached: Error {}
