/// The last `capacity` accepted checks: their transaction ids, where they came from, when, and the answer sent.
/// A repeated id is a replay unless it is a STUN retransmission (same address, shortly after), which gets the
/// same answer again (RFC 8489 6.3.4) and nothing else.
struct RecentTransactionIDs {
    struct Entry {
        let id: STUNTransactionID
        let address: TransportAddress
        let time: ContinuousClock.Instant
        let answer: [UInt8]
    }

    private var ring: [Entry] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int = 64) {
        precondition(capacity > 0)
        self.capacity = capacity
        ring.reserveCapacity(capacity)
    }

    func entry(for id: STUNTransactionID) -> Entry? { ring.first { $0.id == id } }

    mutating func insert(_ entry: Entry) {
        if ring.count < capacity {
            ring.append(entry)
        } else {
            ring[next] = entry
            next = (next + 1) % capacity
        }
    }
}
