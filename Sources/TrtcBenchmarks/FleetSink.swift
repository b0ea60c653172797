import NIOCore
import NIOWebSocket
import Synchronization
import TrtcCore

/// The part of a client fleet its connections share: their channels and the driver's event queue.
final class FleetSink: Sendable {
    let events: AsyncStream<FleetEvent>
    private let continuation: AsyncStream<FleetEvent>.Continuation
    private let channels: Mutex<[Int: any Channel]> = Mutex([:])
    /// Room events (userEnter/userLeave/...) received by all clients; counted, not queued.
    let roomEvents = Atomic<Int>(0)
    let pongs = Atomic<Int>(0)
    private static let pongText = ServerMessage.pong.text

    init() {
        (events, continuation) = AsyncStream.makeStream(of: FleetEvent.self)
    }

    func yield(_ event: FleetEvent) {
        continuation.yield(event)
    }

    func finish() {
        continuation.finish()
    }

    func attach(_ channel: any Channel, client: Int) {
        channels.withLock { $0[client] = channel }
    }

    func detach(client: Int) {
        channels.withLock { $0[client] = nil }
    }

    /// Sends a text message as `client` (masked, as clients must).
    func send(_ text: String, from client: Int) {
        guard let channel = channels.withLock({ $0[client] }) else { return }
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text)),
                              promise: nil)
    }

    /// Closes the connections of `clients` at once (no closing handshake: as a client that vanished).
    func close(_ clients: [Int]) {
        let closing = channels.withLock { channels in clients.compactMap { channels[$0] } }
        for channel in closing { channel.close(promise: nil) }
    }

    /// Starts the closing handshake of every connection still open.
    func closeAll() {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: .normalClosure)
        for channel in channels.withLock({ Array($0.values) }) {
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data), promise: nil)
        }
    }

    /// Handles one server message of `client`, stamped on arrival. Pongs and room events, which are most of the
    /// traffic, are only counted (recognised by their text), so the clients cost the machine little next to the server.
    func receive(_ text: String, client: Int) {
        let at = ContinuousClock.now
        if text == Self.pongText {
            pongs.add(1, ordering: .relaxed)
            return
        }
        if text.utf8.count < 256 && text.contains("\"type\":\"user") {
            roomEvents.add(1, ordering: .relaxed)
            return
        }
        // A dismissal tells a thousand clients at once: read `exit` by its text too (the server prints sorted keys).
        if text.hasSuffix("\"type\":\"exit\"}"), let reason = Self.exitReason(text) {
            yield(.exit(client: client, at: at, reason: reason))
            return
        }
        guard let message = try? ServerMessage.decode(text: text) else { return }
        switch message {
        case .hello:
            break  // sent just before `entered`; `connected` came with the upgrade (FleetFrameHandler)
        case .entered(let entered):
            yield(.entered(client: client, at: at, heartbeatMs: entered.heartbeatMs))
        case .exit(let reason, _):
            yield(.exit(client: client, at: at, reason: reason.rawValue))
        case .error(let error):
            yield(.refused(client: client, message: "\(error.code) \(error.message)"))
        case .pong:
            pongs.add(1, ordering: .relaxed)
        case .userEnter, .userLeave, .userVideo, .userAudio:
            roomEvents.add(1, ordering: .relaxed)
        case .ack(let seq):
            yield(.acknowledged(client: client, at: at, seq: seq))
        case .shutdown, .answer:
            break
        case .redirect(_, let url, _):
            // The fleet enters single nodes; a cluster's redirect is not followed here.
            yield(.refused(client: client, message: "redirected to \(url)"))
        }
    }

    /// The `reason` of an `exit` message, or nil if the text does not have the expected shape.
    private static func exitReason(_ text: String) -> Int32? {
        guard let key = text.utf8.firstRange(of: "\"reason\":".utf8) else { return nil }
        let digits = text.utf8[key.upperBound...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return Int32(String(decoding: digits, as: UTF8.self))
    }
}
