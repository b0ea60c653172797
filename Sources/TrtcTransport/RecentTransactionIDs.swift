/// The last `capacity` transaction ids of accepted checks, to refuse a check replayed from anywhere.
struct RecentTransactionIDs {
    private var ring: [STUNTransactionID] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int = 64) {
        precondition(capacity > 0)
        self.capacity = capacity
        ring.reserveCapacity(capacity)
    }

    func contains(_ id: STUNTransactionID) -> Bool { ring.contains(id) }

    mutating func insert(_ id: STUNTransactionID) {
        if ring.count < capacity {
            ring.append(id)
        } else {
            ring[next] = id
            next = (next + 1) % capacity
        }
    }
}
