/// How a frame handed out by `VideoJitterBuffer` got there: on time or late, and why. A receiver logs it with a
/// freeze, so that a run through the network lab says which of the causes below its freezes had.
public struct VideoFrameTiming: Sendable, Equatable {
    /// Handed out this long after its render time (negative or zero: on time).
    public var lateness: Duration
    /// The round of repair its slowest retransmitted packet came in (0: nothing of it was lost; 1: the first round,
    /// two requests half a round trip apart; 2 or more: those were lost or unanswered, a round trip each).
    public var repairRounds: Int
    /// From its first packet to its last.
    public var assembly: Duration
    /// How much later than the fastest recent frames it completed (its `arrival − RTP time` above the base), and
    /// the buffer's delay at the time: a frame completing later than the delay is late.
    public var completedAfterBase: Duration
    public var delay: Duration
    /// Media time since the frame handed out before it (33 ms at 30 fps; 67 ms when a layer 1 frame was skipped).
    public var mediaGap: Duration
    /// Complete frames dropped since the frame before it because what they reference was lost.
    public var framesDroppedBefore: Int

    public init(lateness: Duration, repairRounds: Int, assembly: Duration, completedAfterBase: Duration, delay: Duration,
                mediaGap: Duration, framesDroppedBefore: Int) {
        self.lateness = lateness
        self.repairRounds = repairRounds
        self.assembly = assembly
        self.completedAfterBase = completedAfterBase
        self.delay = delay
        self.mediaGap = mediaGap
        self.framesDroppedBefore = framesDroppedBefore
    }

    /// Why the picture before this frame stayed up long, when it did (raw values without spaces, for log lines).
    public enum Cause: String, Sendable, Equatable {
        /// A key frame after a broken reference chain (a PLI).
        case keyframe = "keyframe"
        /// Frames in between were complete but dropped: a reference of theirs was lost.
        case referenceLost = "reference-lost"
        /// Waited for a retransmission: the first one came, later than the delay allowed.
        case repairOneRound = "repair-1-round"
        /// Waited for a retransmission that needed two or more rounds (a NACK or a retransmission lost as well).
        case repairRounds = "repair-2+-rounds"
        /// Nothing of it was lost, but it completed later than the delay allowed (queueing, jitter, a slow sender).
        case arrivedLate = "arrived-late"
        /// On time, but the frames before it never arrived complete (not sent, or lost beyond repair and skipped).
        case framesMissing = "frames-missing"
        /// On time with nothing missing before it: the time went after the buffer (decoding, the node, the reader).
        case afterTheBuffer = "after-the-buffer"
    }

    /// `isKeyframe`: the frame's own kind.
    public func cause(isKeyframe: Bool) -> Cause {
        if isKeyframe { return .keyframe }
        if framesDroppedBefore > 0 { return .referenceLost }
        if lateness > .milliseconds(10) {
            switch repairRounds {
            case 0: return .arrivedLate
            case 1: return .repairOneRound
            default: return .repairRounds
            }
        }
        return mediaGap > .milliseconds(100) ? .framesMissing : .afterTheBuffer
    }
}
