import NIOCore
import NIOHTTP1

/// Closes a connection whose request NIO cannot parse (malformed, or headers over the limit). Before the upgrade is
/// settled nobody else would: the upgrade handler waits for a request head that never comes. Passes everything
/// else on untouched, so it can stay in the pipeline whatever the connection becomes.
final class HTTPParseErrorHandler: ChannelInboundHandler {
    typealias InboundIn = Never

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError { context.close(promise: nil) }
        context.fireErrorCaught(error)
    }
}
