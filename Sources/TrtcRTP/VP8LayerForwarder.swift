/// One receiver's view of one VP8 stream with temporal layers, at an SFU: forwards the frames of the layers up to
/// `currentLayer` and drops the rest, renumbering sequence numbers and PictureIDs so the receiver sees no gaps it
/// would NACK or take for lost frames (LiveKit's VP8 munger, mediasoup's SvcConsumer). TL0PICIDX needs no rewriting:
/// layer 0 is never dropped, so it stays consecutive.
///
/// Switching: down at once (at the next new frame: nothing lower references an upper layer); up to `targetLayer`
/// only at a key frame or at a layer-sync frame (Y = 1: it references layer 0 alone) of the next layer, so the
/// receiver never gets a frame whose reference it lacks. A stream without PictureIDs or TIDs is forwarded whole.
///
/// A value type without I/O; one per receiver and stream.
public struct VP8LayerForwarder: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        case drop
        /// Forward with these numbers in place of the publisher's (PictureID nil: the packet has none).
        case forward(sequenceNumber: UInt16, pictureID: UInt16?)
    }

    /// The highest layer wanted (from the receiver's estimate); reached at the next switching point.
    public var targetLayer: UInt8
    /// The highest layer being forwarded.
    public private(set) var currentLayer: UInt8
    private var sequenceNumbers = GapFreeNumbering(bits: 16)
    private var pictureIDs: GapFreeNumbering?
    /// The receiver cannot decode until a key frame: delta frames are dropped (renumbered away) until one comes, so a
    /// narrow link carries the key frame alone instead of it and frames that are useless without it.
    public var awaitingKeyframe = false
    /// The publisher's PictureID of the newest key frame forwarded, and whether the packet `forward` last let through
    /// belonged to it (the SFU holds a receiver's key-frame requests while that key frame is still on its way).
    private var keyframePictureID: UInt16?
    public private(set) var lastForwardedWasKeyframe = false
    /// The receiver's sequence number of the first packet of the newest key frame forwarded: nothing before it is
    /// needed any more.
    public private(set) var keyframeStart: UInt16?
    /// Frames forwarded / dropped (whole frames, counted at their first packet seen).
    public private(set) var framesForwarded = 0
    public private(set) var framesDropped = 0

    /// Starts at `targetLayer`, as the first frame a receiver can use is a key frame anyway.
    public init(targetLayer: UInt8 = 2) {
        self.targetLayer = targetLayer
        currentLayer = targetLayer
    }

    /// What to do with one packet. `payload` is the RTP payload (descriptor first).
    public mutating func forward(sequenceNumber: UInt16, payload: UnsafeRawBufferPointer) -> Decision {
        lastForwardedWasKeyframe = false
        guard let (descriptor, isKeyframe) = Self.inspect(payload),
              let pictureID = descriptor.pictureID, let layer = descriptor.temporalLayerIndex else {
            // No layers to choose from: everything goes (numbered consistently with earlier drops, if any).
            guard let sequence = sequenceNumbers.forward(sequenceNumber) else { return .drop }
            return .forward(sequenceNumber: sequence, pictureID: nil)
        }
        if pictureIDs?.bits != (descriptor.hasLongPictureID ? 15 : 7) {
            pictureIDs = GapFreeNumbering(bits: descriptor.hasLongPictureID ? 15 : 7)
        }
        if pictureIDs!.isNewest(pictureID) {
            // A new frame: the switching point.
            if isKeyframe {
                currentLayer = targetLayer
                awaitingKeyframe = false
                keyframePictureID = pictureID
            } else if targetLayer < currentLayer {
                currentLayer = targetLayer
            } else if targetLayer > currentLayer, layer == currentLayer + 1, descriptor.isLayerSync {
                currentLayer = layer
            }
            if layer > currentLayer || awaitingKeyframe {
                pictureIDs!.drop(pictureID)
                sequenceNumbers.drop(sequenceNumber)
                framesDropped += 1
                return .drop
            }
            framesForwarded += 1
        } else if pictureIDs!.wasDropped(pictureID) {
            // Another packet of a dropped frame: drop it too (renumbered away if it is the newest number).
            sequenceNumbers.drop(sequenceNumber)
            return .drop
        }
        guard let sequence = sequenceNumbers.forward(sequenceNumber), let picture = pictureIDs!.forward(pictureID) else {
            return .drop
        }
        lastForwardedWasKeyframe = pictureID == keyframePictureID
        if isKeyframe { keyframeStart = sequence }
        return .forward(sequenceNumber: sequence, pictureID: picture)
    }

    /// The publisher's sequence number of what this receiver got as `sequenceNumber` (for its NACKs).
    public func publisherSequenceNumber(_ sequenceNumber: UInt16) -> UInt16? {
        sequenceNumbers.input(forOutput: sequenceNumber)
    }

    /// The descriptor, and whether this packet starts a key frame (the VP8 payload header's P bit is 0).
    public static func inspect(_ payload: UnsafeRawBufferPointer) -> (descriptor: VP8PayloadDescriptor, isKeyframe: Bool)? {
        // The descriptor is at most 6 bytes; a zero byte after them stands for VP8 data the parser wants to see.
        var head = Array(payload.prefix(7))
        head.append(0)
        guard let (descriptor, offset) = try? VP8PayloadDescriptor.parse(head) else { return nil }
        let isKeyframe = descriptor.startsFrame && offset < payload.count && payload[offset] & 0x01 == 0
        return (descriptor, isKeyframe)
    }

    /// Writes `sequenceNumber` and `pictureID` over an RTP packet's own (same sizes: the descriptor keeps its length).
    /// `packet` is the whole RTP packet; `payloadOffset` where its payload starts.
    public static func rewrite(_ packet: UnsafeMutableRawBufferPointer, payloadOffset: Int, sequenceNumber: UInt16,
                               pictureID: UInt16?) {
        packet[2] = UInt8(truncatingIfNeeded: sequenceNumber >> 8)
        packet[3] = UInt8(truncatingIfNeeded: sequenceNumber)
        guard let pictureID, payloadOffset + 3 < packet.count, packet[payloadOffset] & 0x80 != 0,
              packet[payloadOffset + 1] & 0x80 != 0 else { return }
        let at = payloadOffset + 2
        if packet[at] & 0x80 != 0 {
            packet[at] = 0x80 | UInt8(truncatingIfNeeded: pictureID >> 8) & 0x7F
            packet[at + 1] = UInt8(truncatingIfNeeded: pictureID)
        } else {
            packet[at] = UInt8(truncatingIfNeeded: pictureID) & 0x7F
        }
    }
}
