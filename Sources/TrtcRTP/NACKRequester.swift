/// A receiver's side of retransmission (RFC 4585 generic NACK): from the sequence numbers of one RTP stream as
/// they arrive, which missing ones to ask the sender for, and when.
///
/// When the sequence number jumps ahead by at most `maximumGap`, the numbers skipped are asked for at once, then
/// again every `retryInterval` while still missing, at most `maximumRequests` times each. A larger jump, or a number
/// that falls more than `maximumGap` behind the newest, is given up: the depacketizer reports the loss and a key
/// frame request follows.
///
/// Time is whatever monotonic clock the caller reads, passed in as `now`.
public struct NACKRequester: Sendable {
    public let maximumGap: UInt16
    public let maximumRequests: Int
    public let retryInterval: Duration
    private var highestSequence: UInt16?
    /// Missing sequence numbers: when last asked for, and how often.
    private var missing: [UInt16: (lastAsked: Duration, requests: Int)] = [:]

    public init(maximumGap: UInt16 = 100, maximumRequests: Int = 3, retryInterval: Duration = .milliseconds(40)) {
        self.maximumGap = maximumGap
        self.maximumRequests = maximumRequests
        self.retryInterval = retryInterval
    }

    /// Notes a packet that arrived at `now`; returns the sequence numbers to NACK now, oldest first (often none).
    /// Late, duplicate and retransmitted packets only fill their gap.
    public mutating func packetArrived(sequenceNumber number: UInt16, now: Duration) -> [UInt16] {
        missing.removeValue(forKey: number)
        if let highest = highestSequence {
            let ahead = number &- highest
            guard ahead >= 1, ahead < 0x8000 else { return [] }  // late, retransmitted or duplicate
            if ahead > 1 && ahead <= maximumGap {
                // Due at once: stamped as asked one interval ago.
                for offset in 1..<ahead { missing[highest &+ offset] = (now - retryInterval, 0) }
            }
        }
        highestSequence = number
        guard !missing.isEmpty else { return [] }
        var due: [UInt16] = []
        for (sequence, state) in missing {
            if state.requests >= maximumRequests || number &- sequence > maximumGap {
                missing.removeValue(forKey: sequence)  // given up
            } else if now - state.lastAsked >= retryInterval {
                missing[sequence] = (now, state.requests + 1)
                due.append(sequence)
            }
        }
        return due.sorted { number &- $0 > number &- $1 }
    }

    /// The stream started over (new SSRC): forget its sequence numbers.
    public mutating func reset() {
        highestSequence = nil
        missing = [:]
    }
}
