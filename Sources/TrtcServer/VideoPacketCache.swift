import NIOCore

/// The last packets of one member's video, decrypted, so that the server answers a receiver's NACK itself (as
/// mediasoup's SFU does): with SRTP hop by hop a sender's retransmission of a packet the server already received
/// would be refused as a replay, and the loss was on the server's side of the path anyway. Media loop only.
final class VideoPacketCache {
    static let capacity = 512

    private var slots: [(sequence: UInt16, packet: ByteBuffer)?] = Array(repeating: nil, count: capacity)

    func insert(_ packet: ByteBuffer, sequence: UInt16) {
        slots[Int(sequence) % Self.capacity] = (sequence, packet)
    }

    func packet(_ sequence: UInt16) -> ByteBuffer? {
        guard let slot = slots[Int(sequence) % Self.capacity], slot.sequence == sequence else { return nil }
        return slot.packet
    }
}
