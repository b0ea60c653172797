import Logging
import WSClient

/// One simulated client's WebSocket for its whole life.
enum FleetClient {
    static let maxFrameBytes = 4 << 20

    /// One client's connection for its whole life: hands its writer to the sink and reports what it receives.
    static func run(_ client: Int, url: String, sink: FleetSink, logger: Logger) async {
        var failure: String?
        do {
            try await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: maxFrameBytes, closeTimeout: .seconds(2)), logger: logger
            ) { inbound, outbound, _ in
                sink.attach(outbound, client: client)
                for try await message in inbound.messages(maxSize: maxFrameBytes) {
                    guard case .text(let text) = message else { continue }
                    sink.receive(text, client: client)
                }
            }
        } catch {
            failure = "\(error)"
        }
        sink.detach(client: client)
        sink.yield(.closed(client: client, at: .now, error: failure))
    }
}
