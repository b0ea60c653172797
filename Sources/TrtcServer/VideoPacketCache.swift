import NIOCore

/// The last packets of one member's video, decrypted, so that the server answers a receiver's NACK itself (as
/// mediasoup's SFU does): with SRTP hop by hop a sender's retransmission of a packet the server already received
/// would be refused as a replay, and the loss was on the server's side of the path anyway. Media loop only.
final class VideoPacketCache {
    static let capacity = 512

    /// Allocated with the first packet: members who never publish video cost nothing here. At most `capacity`
    /// packets of ≤ 1500 bytes (≈ 2 s of 720p video, ≤ 750 KiB per publisher).
    private var slots: [(sequence: UInt16, packet: ByteBuffer)?] = []

    func insert(_ packet: ByteBuffer, sequence: UInt16) {
        if slots.isEmpty { slots = Array(repeating: nil, count: Self.capacity) }
        slots[Int(sequence) % Self.capacity] = (sequence, packet)
    }

    func packet(_ sequence: UInt16) -> ByteBuffer? {
        guard !slots.isEmpty, let slot = slots[Int(sequence) % Self.capacity], slot.sequence == sequence else { return nil }
        return slot.packet
    }
}
