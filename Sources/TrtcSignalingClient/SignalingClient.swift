import Logging
import NIOCore
import NIOPosix
import TrtcCore
import WSClient
import WSCore

/// Connects to trtc-server's signaling endpoint. The connection lives as long as `body` runs.
public enum SignalingClient {
    public struct ConnectError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// `server` is `ws://HOST:PORT` or `wss://HOST:PORT` as given to trtc-server's --listen; the protocol path is added.
    public static func url(forServer server: String) -> String {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix(Signaling.path) { return base }
        return base + Signaling.path
    }

    /// Opens a connection and runs `body` with it. When `body` returns the connection is closed; when the connection
    /// ends first, `channel.messages` finishes (with the error if it failed).
    /// `wss://` verifies the server's certificate with `tls` (host name or IP address included); a failed
    /// verification throws a `ConnectError` that says why (wrong host, expired, untrusted).
    public static func withConnection<Result: Sendable>(
        server: String,
        tls: ServerTrust = .systemTrust,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        _ body: @escaping @Sendable (SignalingChannel) async throws -> Result
    ) async throws -> Result {
        let (outboundTexts, outbound) = AsyncStream.makeStream(of: String.self)
        let channel = SignalingChannel(outbound: outbound)
        let url = url(forServer: server)
        let handler: WebSocketDataHandler<SignalingConnectionChannel.Context> = { inbound, writer, _ in
            try await withThrowingTaskGroup(of: Void.self) { connection in
                connection.addTask {
                    for await text in outboundTexts {
                        try await writer.write(.text(text))
                    }
                    try? await writer.close(.normalClosure, reason: nil)
                }
                for try await message in inbound.messages(maxSize: 4 << 20) {
                    guard case .text(let text) = message else { continue }
                    do {
                        channel.inbound.yield(try ServerMessage.decode(text: text))
                    } catch {
                        logger.warning("undecodable server message", metadata: ["error": "\(error)"])
                    }
                }
                channel.inbound.finish()
                outbound.finish()
                try await connection.waitForAll()
            }
        }
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                do {
                    let target = try ServerURL(url)
                    let connection = ClientConnection(
                        SignalingConnectionChannel(
                            url: target, tls: target.secure ? try tls.context() : nil, maxFrameSize: 4 << 20,
                            closeTimeout: .seconds(2), handler: handler),
                        address: .hostname(target.host, port: target.port), eventLoopGroup: eventLoopGroup, logger: logger)
                    do {
                        try await connection.run()
                    } catch {
                        throw await TLSFailure.explain(error, url: target, tls: tls, eventLoopGroup: eventLoopGroup) ?? error
                    }
                    channel.inbound.finish()
                } catch {
                    channel.inbound.finish(throwing: ConnectError(description: "\(url): \(error)"))
                }
                outbound.finish()
                return nil
            }
            let result = try await body(channel)
            channel.close()
            for try await _ in group {}
            return result
        }
    }
}
