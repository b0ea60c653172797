/// The receiving end of transport-wide congestion control: records when each transport-wide sequence number
/// arrived and, every `interval`, says so in `RTCPTransportFeedback` packets (the sender's estimator does the rest).
///
/// A value without I/O; `now` and arrivals are monotonic times passed in. Packets that arrive after the feedback
/// covering their number was sent are not reported again (the sender counts them lost, as libwebrtc's would).
public struct TransportFeedbackGenerator: Sendable {
    /// libwebrtc sends feedback every 50–250 ms depending on rate; a fixed 50 ms keeps the sender's reaction fast at
    /// a cost of ~10 kbit/s at 1 Mbit/s.
    public static let interval = Duration.milliseconds(50)
    /// At most this many statuses per feedback packet (a few hundred bytes); more go in the next packet.
    public static let maximumStatuses = 1000
    /// A base this far behind the newest number is given up: that many packets were not lost in 50 ms.
    static let maximumSpan: Int64 = 0x4000

    private var arrivals: [Int64: Duration] = [:]
    private var unwrapper = SequenceUnwrapper()
    private var nextBase: Int64?
    private var highest: Int64?
    private var feedbackCount: UInt8 = 0
    private var lastFeedback: Duration?

    public init() {}

    public mutating func record(_ sequenceNumber: UInt16, arrival: Duration) {
        let number = unwrapper.unwrap(sequenceNumber)
        if let nextBase, number < nextBase { return }
        arrivals[number] = arrival
        if nextBase == nil { nextBase = number }
        highest = max(highest ?? number, number)
        if let highest, let base = nextBase, highest - base > Self.maximumSpan {
            let newBase = highest - Self.maximumSpan
            arrivals = arrivals.filter { $0.key >= newBase }
            nextBase = newBase
        }
    }

    /// The feedback due now, if any: everything from the last reported number to the newest received.
    public mutating func tick(now: Duration, senderSSRC: UInt32, mediaSSRC: UInt32) -> [RTCPTransportFeedback] {
        guard let highest, var base = nextBase, base <= highest else { return [] }
        if let lastFeedback, now - lastFeedback < Self.interval { return [] }
        lastFeedback = now
        var packets: [RTCPTransportFeedback] = []
        while base <= highest {
            // The reference time comes from the first received packet; statuses may start with losses.
            var firstReceived = base
            while firstReceived <= highest, arrivals[firstReceived] == nil { firstReceived += 1 }
            guard firstReceived <= highest, let first = arrivals[firstReceived] else { break }
            let referenceTicks = Int64(first / RTCPTransportFeedback.referenceTimeTick)
            var previousTicks = referenceTicks * 256  // 64 ms = 256 × 250 µs
            var deltas: [Int16?] = []
            var number = base
            while number <= highest, deltas.count < Self.maximumStatuses {
                if let arrival = arrivals[number] {
                    let ticks = Int64((arrival / RTCPTransportFeedback.deltaTick).rounded(.down))
                    let delta = ticks - previousTicks
                    guard let narrow = Int16(exactly: delta) else { break }  // the rest in the next packet
                    deltas.append(narrow)
                    previousTicks = ticks
                } else {
                    deltas.append(nil)
                }
                number += 1
            }
            // Trailing losses are reported once later packets show them lost, not now (they may be in flight).
            while deltas.last.map({ $0 == nil }) == true { deltas.removeLast(); number -= 1 }
            let referenceTime = Int32(truncatingIfNeeded: (referenceTicks << 40) >> 40)  // 24-bit signed, wrapping
            if let packet = try? RTCPTransportFeedback(
                senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: UInt16(truncatingIfNeeded: base),
                referenceTime: referenceTime, feedbackPacketCount: feedbackCount, receiveDeltas: deltas) {
                packets.append(packet)
                feedbackCount &+= 1
            }
            for reported in base..<number { arrivals[reported] = nil }
            base = number
        }
        nextBase = base
        return packets
    }
}

/// Extends 16-bit sequence numbers to 64 bits, assuming no jump of more than half the range between neighbours.
public struct SequenceUnwrapper: Sendable {
    private var last: Int64?

    public init() {}

    public mutating func unwrap(_ number: UInt16) -> Int64 {
        guard let last else {
            self.last = Int64(number) + 0x10000
            return Int64(number) + 0x10000
        }
        let step = Int64(Int16(bitPattern: number &- UInt16(truncatingIfNeeded: last)))
        let value = last + step
        self.last = max(last, value)
        return value
    }
}
