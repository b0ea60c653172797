/// The last packets a sender sent, by sequence number, so it can send again what a receiver reports missing
/// (RFC 4585 generic NACK; the packets go out unchanged, in the original stream).
public struct RTPRetransmissionHistory: Sendable {
    public let capacity: Int
    public let maximumResends: Int
    private var slots: [(sequenceNumber: UInt16, datagram: [UInt8], resends: Int)?]

    /// `capacity` must divide 65536 (a power of two) so a slot always belongs to the same sequence numbers.
    /// `maximumResends`: as often as the server asks (`UplinkRepair.maximumRequests`: two requests in the first round
    /// trip, then one per round trip).
    public init(capacity: Int = 512, maximumResends: Int = 5) {
        precondition(capacity > 0 && 65_536 % capacity == 0, "capacity must be a power of two up to 65536")
        self.capacity = capacity
        self.maximumResends = maximumResends
        slots = Array(repeating: nil, count: capacity)
    }

    public mutating func store(sequenceNumber: UInt16, datagram: [UInt8]) {
        slots[Int(sequenceNumber) % capacity] = (sequenceNumber, datagram, 0)
    }

    /// The stored datagrams of `sequenceNumbers`, each at most `maximumResends` times; numbers no longer (or never)
    /// stored are skipped.
    public mutating func resend(_ sequenceNumbers: [UInt16]) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        for number in sequenceNumbers {
            let index = Int(number) % capacity
            guard let slot = slots[index], slot.sequenceNumber == number, slot.resends < maximumResends else { continue }
            slots[index]?.resends += 1
            datagrams.append(slot.datagram)
        }
        return datagrams
    }
}
