import Logging
import NIOCore
import NIOWebSocket
import TrtcCore

/// The end of an upgraded signaling WebSocket's pipeline, after NIO's frame decoder and encoder. It lives on the
/// connection's event loop and needs no task: frames are answered as they arrive, and what the registry queues for
/// the client is written by the session (`SignalingSession.flush`).
final class SignalingChannelHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let messages: SignalingMessageHandler
    private var session: SignalingSession?
    /// A text message arriving in several frames, until its last one.
    private var fragments: ByteBuffer?
    private var fragmentsAreText = false
    /// Closes the connection unless it entered a room by then (`ServerConfiguration.enterTimeout`).
    private var enterDeadline: Scheduled<Void>?

    init(messages: SignalingMessageHandler) {
        self.messages = messages
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Added by the upgrade, on a connection that is already active.
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if session == nil { start(context) }
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        // The connection's amplification guard, below the HTTP handlers the upgrade replaced.
        let byteGuard = (try? context.pipeline.syncOperations.handler(type: AmplificationGuardHandler.self))
            .map { NIOLoopBound($0, eventLoop: context.eventLoop) }
        let session = messages.openSession(channel: context.channel, byteGuard: byteGuard)
        self.session = session
        let messages = self.messages
        enterDeadline = context.eventLoop.scheduleTask(in: TimeAmount(messages.configuration.enterTimeout)) {
            messages.enterDeadlinePassed(session)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        enterDeadline?.cancel()
        enterDeadline = nil
        if let session {
            session.markClosing()
            messages.closeSession(session)
            self.session = nil
        }
        context.fireChannelInactive()
    }

    /// Hummingbird's server allows remote half-closure (for HTTP). A WebSocket peer that closed its side has left:
    /// close ours too, so its connection slot and session go now rather than at the next departure sweep.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { session?.flush() }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let session else { return }
        // Before `enter`, control frames are not signs of life: only the enter deadline decides, and pings must not
        // keep an unauthenticated connection open (nor do heartbeats: see `enterDeadlinePassed`).
        if !frame.opcode.isControlOpcode || session.hasEntered.load(ordering: .relaxed) { session.touch() }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else {
                return fail(context, .protocolError, "a new message began before the last one ended")
            }
            if frame.fin {
                deliver(context, frame.unmaskedData, isText: frame.opcode == .text, session: session)
            } else {
                fragments = frame.unmaskedData
                fragmentsAreText = frame.opcode == .text
            }
        case .continuation:
            guard var buffer = fragments else {
                return fail(context, .protocolError, "a continuation frame without a message to continue")
            }
            var data = frame.unmaskedData
            guard buffer.readableBytes + data.readableBytes <= SignalingMessageHandler.maxMessageBytes else {
                fragments = nil
                return fail(context, .messageTooLarge, "message too large")
            }
            fragments = nil  // so the append below does not copy a shared buffer
            buffer.writeBuffer(&data)
            if frame.fin {
                deliver(context, buffer, isText: fragmentsAreText, session: session)
            } else {
                fragments = buffer
            }
        case .ping:
            session.sendPong(frame.unmaskedData)
        case .connectionClose:
            if session.isClosing {
                // The answer to our close frame: the closing handshake is complete.
                context.close(promise: nil)
            } else {
                // The client closes: echo its status code, then close (RFC 6455 §5.5.1).
                session.markClosing()
                var data = frame.unmaskedData
                let code = data.readWebSocketErrorCode() ?? .normalClosure
                var reply = context.channel.allocator.buffer(capacity: 2)
                reply.write(webSocketErrorCode: code)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)))
                    .whenComplete { _ in channel.close(promise: nil) }
            }
        case .pong:
            break
        default:
            fail(context, .protocolError, "unknown opcode")
        }
    }

    private func deliver(_ context: ChannelHandlerContext, _ payload: ByteBuffer, isText: Bool, session: SignalingSession) {
        guard isText else {
            messages.rejectBinary(session: session)
            return
        }
        guard let text = String(validating: payload.readableBytesView, as: UTF8.self) else {
            return fail(context, .dataInconsistentWithMessage, "text message is not UTF-8")
        }
        messages.handle(text, session: session)
    }

    /// A WebSocket protocol error: close with its code at once (the client broke the framing, so no handshake).
    private func fail(_ context: ChannelHandlerContext, _ code: WebSocketErrorCode, _ reason: String) {
        session?.markClosing()
        let reason = session?.fittingCloseReason(reason) ?? reason
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        messages.logger.debug("signaling connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
