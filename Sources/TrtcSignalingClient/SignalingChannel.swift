import Synchronization
import TrtcCore

/// One open signaling connection as seen by a client: send messages, read what the server says.
public final class SignalingChannel: Sendable {
    /// Server messages in arrival order. Ends when the connection closes; throws if it failed.
    public let messages: AsyncThrowingStream<ServerMessage, any Error>
    let outbound: AsyncStream<String>.Continuation
    let inbound: AsyncThrowingStream<ServerMessage, any Error>.Continuation
    private let nextSeq = Atomic<UInt32>(0)

    init(outbound: AsyncStream<String>.Continuation) {
        (messages, inbound) = AsyncThrowingStream.makeStream(of: ServerMessage.self)
        self.outbound = outbound
    }

    /// A fresh request sequence number.
    public func makeSeq() -> UInt32 { nextSeq.add(1, ordering: .relaxed).newValue }

    public func send(_ message: ClientMessage) {
        outbound.yield(message.text)
    }

    /// Sends raw text, for tests of malformed input.
    public func sendRaw(_ text: String) {
        outbound.yield(text)
    }

    /// Closes the connection (a WebSocket close, not a `leave`).
    public func close() {
        outbound.finish()
    }
}
