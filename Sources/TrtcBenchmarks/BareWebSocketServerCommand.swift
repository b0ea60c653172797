import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import TrtcCore
import TrtcServer

/// `trtc-bench server bare-websocket-server`: Hummingbird's WebSocket layer (what trtc-server used before its
/// signaling moved to NIO alone), no rooms: it says hello and answers heartbeats. The benchmark runs it
/// (`--bare-websocket-server`) to show the memory that layer takes per connection (27 KiB, over the 20 KiB budget).
struct BareWebSocketServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bare-websocket-server",
        abstract: "Diagnostic: a WebSocket server with trtc-server's framework setup and no room service.")

    // trtc-server's flags, so the benchmark can start either the same way; only --listen is used.
    @Option var listen = "127.0.0.1:7800"
    @Option var media: String?
    @Option var app: [String] = []
    @Option var apiCredential: [String] = []
    @Option var departureTimeout: Double?
    @Option var stateDir: String?
    @Option var logLevel = "warning"

    func run() async throws {
        FileDescriptorLimit.raiseToHardLimit()
        let address = try HostPort(parsing: listen)
        var logger = Logger(label: "bare-websocket-server")
        logger.logLevel = .warning
        let hello = ServerMessage.hello(protocolVersion: Signaling.protocolVersion, server: "bare").text
        let heartbeat = ClientMessage.heartbeat.text
        let pong = ServerMessage.pong.text
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws(RouterPath(Signaling.path)) { inbound, outbound, _ in
            try? await outbound.write(.text(hello))
            do {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let text) = message, text == heartbeat { try await outbound.write(.text(pong)) }
                }
            } catch {}
        }
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: router, configuration: .init(maxFrameSize: 1 << 20, autoPing: .disabled, closeTimeout: .seconds(2))),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "bare"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                FileHandle.standardOutput.write(Data("  signaling   ws://\(address.host):\(port)\(Signaling.path)\n".utf8))
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
