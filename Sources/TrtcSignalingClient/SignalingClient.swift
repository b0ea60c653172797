import Logging
import NIOCore
import NIOPosix
import TrtcCore
import WSClient

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
    public static func withConnection<Result: Sendable>(
        server: String,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        _ body: @escaping @Sendable (SignalingChannel) async throws -> Result
    ) async throws -> Result {
        let (outboundTexts, outbound) = AsyncStream.makeStream(of: String.self)
        let channel = SignalingChannel(outbound: outbound)
        let url = url(forServer: server)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                do {
                    try await WebSocketClient.connect(
                        url: url,
                        configuration: .init(maxFrameSize: 4 << 20, closeTimeout: .seconds(2)),
                        eventLoopGroup: eventLoopGroup, logger: logger
                    ) { inbound, writer, _ in
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
