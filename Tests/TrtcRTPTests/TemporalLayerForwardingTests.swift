import Testing
import TrtcRTP

/// VP8 temporal layers on the wire (RFC 7741 TID, Y, TL0PICIDX) and at the SFU: `VP8LayerForwarder` drops upper
/// layers per receiver without leaving gaps, `TemporalLayerPolicy` picks the layer from the receiver's reports.
@Suite struct TemporalLayerForwardingTests {
    /// A frame of a layered stream as a publisher sends it: `packets` RTP packets.
    struct SentFrame {
        var layer: UInt8
        var sync: Bool
        var keyframe = false
        var packets = 2
    }

    /// Packetizes `frames` (VP8 payload bytes whose first byte says key frame or not) as trtcd does.
    static func packetize(_ frames: [SentFrame], firstSequence: UInt16 = 65_500, firstPictureID: UInt16 = 0x7FF0) throws -> [RTPPacket] {
        // Small packets, so each frame takes `packets` packets.
        var packetizer = try VP8Packetizer(ssrc: 7, maximumPacketSize: 12 + 6 + 10, initialSequenceNumber: firstSequence,
                                           timestampOffset: 0, initialPictureID: firstPictureID, initialTL0PictureIndex: 250)
        var packets: [RTPPacket] = []
        for (index, frame) in frames.enumerated() {
            var data = [UInt8](repeating: 0x55, count: 10 * frame.packets)
            data[0] = frame.keyframe ? 0x00 : 0x01  // VP8 payload header: P = 0 for a key frame
            packets += packetizer.packetize(data, rtpTimestamp: UInt32(index) * 3000, isDroppable: frame.layer > 0,
                                            temporalLayer: frame.layer, isLayerSync: frame.sync)
        }
        return packets
    }

    /// The libwebrtc-like 2-layer pattern after a key frame: 0, 1, 0, 1, … (every layer-1 frame a sync frame).
    static func twoLayers(_ count: Int) -> [SentFrame] {
        (0..<count).map { (index: Int) -> SentFrame in
            if index == 0 { return SentFrame(layer: 0, sync: false, keyframe: true) }
            return SentFrame(layer: UInt8(index % 2), sync: index % 2 == 1)
        }
    }

    /// The 3-layer pattern 0, 2 (sync), 1 (sync), 2 (not sync).
    static func threeLayers(_ count: Int) -> [SentFrame] {
        (0..<count).map { index in
            if index == 0 { return SentFrame(layer: 0, sync: false, keyframe: true) }
            switch index % 4 {
            case 0: return SentFrame(layer: 0, sync: false)
            case 1: return SentFrame(layer: 2, sync: true)
            case 2: return SentFrame(layer: 1, sync: true)
            default: return SentFrame(layer: 2, sync: false)
            }
        }
    }

    struct Received {
        var packet: RTPPacket
        var descriptor: VP8PayloadDescriptor
    }

    /// Runs `packets` through `forwarder`, applying its rewrites as the server does; `adjust` may change the target
    /// before each packet (by index).
    static func forward(_ packets: [RTPPacket], _ forwarder: inout VP8LayerForwarder,
                        adjust: (Int, inout VP8LayerForwarder) -> Void = { _, _ in }) throws -> [Received] {
        var received: [Received] = []
        for (index, packet) in packets.enumerated() {
            adjust(index, &forwarder)
            let decision = packet.payload.withUnsafeBytes { forwarder.forward(sequenceNumber: packet.sequenceNumber, payload: $0) }
            guard case .forward(let sequence, let pictureID) = decision else { continue }
            var bytes = packet.serialized()
            bytes.withUnsafeMutableBytes {
                VP8LayerForwarder.rewrite($0, payloadOffset: RTPPacket.fixedHeaderSize, sequenceNumber: sequence, pictureID: pictureID)
            }
            let rewritten = try RTPPacket(parsing: bytes)
            received.append(Received(packet: rewritten, descriptor: try VP8PayloadDescriptor.parse(rewritten.payload).descriptor))
        }
        return received
    }

    static func expectNoGaps(_ received: [Received]) {
        for (previous, next) in zip(received, received.dropFirst()) {
            #expect(next.packet.sequenceNumber == previous.packet.sequenceNumber &+ 1, "sequence gap after \(previous.packet.sequenceNumber)")
            let samePicture = next.packet.timestamp == previous.packet.timestamp
            let expected = samePicture ? previous.descriptor.pictureID! : (previous.descriptor.pictureID! &+ 1) & 0x7FFF
            #expect(next.descriptor.pictureID == expected, "PictureID \(next.descriptor.pictureID!) after \(previous.descriptor.pictureID!)")
        }
    }

    @Test("the packetizer writes TID, Y and a TL0PICIDX that counts layer 0 frames, and they parse back")
    func descriptorCarriesLayers() throws {
        let packets = try Self.packetize(Self.threeLayers(9), firstSequence: 10)
        let descriptors = try packets.map { try VP8PayloadDescriptor.parse($0.payload).descriptor }
        let firsts = descriptors.filter(\.startsFrame)
        #expect(firsts.map { $0.temporalLayerIndex! } == [0, 2, 1, 2, 0, 2, 1, 2, 0])
        #expect(firsts.map(\.isLayerSync) == [false, true, true, false, false, true, true, false, false])
        // 250 + 1 at the key frame, + 1 at each later layer 0 frame (wrapping at 8 bits).
        #expect(firsts.map { $0.tl0PictureIndex! } == [251, 251, 251, 251, 252, 252, 252, 252, 253])
        #expect(firsts.map(\.isNonReference) == [false, true, true, true, false, true, true, true, false])
        #expect(descriptors.allSatisfy { $0.hasLongPictureID && $0.size == 6 })
        for descriptor in descriptors { #expect(try VP8PayloadDescriptor.parse(descriptor.serialized() + [1]).descriptor == descriptor) }
        var wrapping = try VP8Packetizer(ssrc: 1, initialPictureID: 0, initialTL0PictureIndex: 255)
        let wrapped = wrapping.packetize([1, 2, 3], rtpTimestamp: 0, temporalLayer: 0)
        #expect(try VP8PayloadDescriptor.parse(wrapped[0].payload).descriptor.tl0PictureIndex == 0)
        // Without layers, no TL0PICIDX/TID (as before).
        let plain = wrapping.packetize([1, 2, 3], rtpTimestamp: 0)
        #expect(try VP8PayloadDescriptor.parse(plain[0].payload).descriptor.temporalLayerIndex == nil)
        #expect(try VP8PayloadDescriptor.parse(plain[0].payload).descriptor.size == 4)
    }

    @Test("layer 0 only: what is forwarded has consecutive sequence numbers and PictureIDs across their wrap, TL0PICIDX untouched")
    func baseLayerOnlyHasNoGaps() throws {
        let packets = try Self.packetize(Self.twoLayers(40))
        var forwarder = VP8LayerForwarder(targetLayer: 0)
        let received = try Self.forward(packets, &forwarder)
        #expect(received.count == 40)  // 20 layer 0 frames of 2 packets
        #expect(received.allSatisfy { $0.descriptor.temporalLayerIndex == 0 })
        Self.expectNoGaps(received)
        #expect(received.first?.packet.sequenceNumber == 65_500)
        let tl0 = received.filter(\.descriptor.startsFrame).map { $0.descriptor.tl0PictureIndex! }
        #expect(tl0 == (0..<20).map { UInt8(truncatingIfNeeded: 251 + $0) })
        #expect(forwarder.framesDropped == 20 && forwarder.framesForwarded == 20)
    }

    @Test("switching: down at the next frame, up only at a sync frame of the next layer or a key frame")
    func switchesAtTheRightFrames() throws {
        let packets = try Self.packetize(Self.threeLayers(33))
        // Frame n's first packet is packet 2n. Down to 0 at frame 5; up to 2 wanted from frame 11 (a non-sync
        // layer 2 frame): layer 1 joins at 14 (sync), layer 2 at 17 (the next sync layer 2 frame).
        var forwarder = VP8LayerForwarder(targetLayer: 2)
        var layers: [Int: UInt8] = [:]
        let received = try Self.forward(packets, &forwarder) { index, forwarder in
            if index == 10 { forwarder.targetLayer = 0 }
            if index == 22 { forwarder.targetLayer = 2 }
        }
        Self.expectNoGaps(received)
        for item in received where item.descriptor.startsFrame {
            layers[Int(item.packet.timestamp / 3000)] = item.descriptor.temporalLayerIndex
        }
        let frames = layers.keys.sorted()
        #expect(frames == [0, 1, 2, 3, 4, 8, 12, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32])
        #expect(forwarder.currentLayer == 2)
        // Every forwarded frame has its reference: a non-sync layer 2 frame the layer 1 frame before it.
        let sent = Self.threeLayers(33)
        for frame in frames where sent[frame].layer == 2 && !sent[frame].sync {
            #expect(layers[frame - 1] != nil, "frame \(frame) forwarded without its layer 1 reference")
        }
    }

    @Test("a key frame takes the receiver to its target at once")
    func keyFrameSwitchesUp() throws {
        var frames = Self.twoLayers(10)
        frames[6] = SentFrame(layer: 0, sync: false, keyframe: true)
        // Layer 1 frames marked not sync, so only the key frame can switch up.
        for index in frames.indices where frames[index].layer == 1 { frames[index].sync = false }
        let packets = try Self.packetize(frames)
        var forwarder = VP8LayerForwarder(targetLayer: 0)
        let received = try Self.forward(packets, &forwarder) { index, forwarder in
            if index == 2 { forwarder.targetLayer = 1 }
        }
        Self.expectNoGaps(received)
        let forwardedFrames = Set(received.map { $0.packet.timestamp / 3000 })
        #expect(forwardedFrames == [0, 2, 4, 6, 7, 8, 9])
    }

    @Test("uplink loss stays a gap the receiver NACKs, and its NACK maps back to the publisher's number; reordering is harmless")
    func lossAndReordering() throws {
        var packets = try Self.packetize(Self.twoLayers(12))
        // Frame 4 (layer 0) loses its second packet; frame 8's two packets arrive swapped.
        let lost = packets.remove(at: 9)
        packets.swapAt(15, 16)
        var forwarder = VP8LayerForwarder(targetLayer: 0)
        let received = try Self.forward(packets, &forwarder)
        let sequences = received.map(\.packet.sequenceNumber)
        // Forwarded: frames 0, 2, 4 (one packet), 6, 8, 10 → 11 packets, one gap (the lost one).
        #expect(received.count == 11)
        let expected: [UInt16] = [0, 1, 2, 3, 4, 6, 7, 9, 8, 10, 11].map { 65_500 &+ $0 }
        #expect(sequences == expected)
        // The receiver NACKs 65_505: that is the publisher's lost packet.
        #expect(forwarder.publisherSequenceNumber(65_505) == lost.sequenceNumber)
        #expect(forwarder.publisherSequenceNumber(65_506) == packets[11].sequenceNumber)
        // The retransmission arrives late: forwarded under the number the receiver asked for.
        let late = lost.payload.withUnsafeBytes { forwarder.forward(sequenceNumber: lost.sequenceNumber, payload: $0) }
        #expect(late == .forward(sequenceNumber: 65_505, pictureID: received[4].descriptor.pictureID))
        // A duplicate of a dropped layer 1 packet stays dropped.
        let dropped = packets[2]
        #expect(dropped.payload.withUnsafeBytes { forwarder.forward(sequenceNumber: dropped.sequenceNumber, payload: $0) } == .drop)
    }

    @Test("a stream without layers is forwarded whole and unchanged")
    func streamWithoutLayers() throws {
        var packetizer = try VP8Packetizer(ssrc: 1, initialSequenceNumber: 100)
        var forwarder = VP8LayerForwarder(targetLayer: 0)
        for index in 0..<5 {
            for packet in packetizer.packetize([1, 2, 3], rtpTimestamp: UInt32(index)) {
                let decision = packet.payload.withUnsafeBytes { forwarder.forward(sequenceNumber: packet.sequenceNumber, payload: $0) }
                #expect(decision == .forward(sequenceNumber: packet.sequenceNumber, pictureID: nil))
            }
        }
    }

    @Test("GapFreeNumbering: drops are numbered away across the 16-bit wrap; old values cannot be dropped")
    func gapFreeNumbering() {
        var numbering = GapFreeNumbering(bits: 16)
        var outputs: [UInt16] = []
        for offset in 0..<20 {
            let value = UInt16(65_530) &+ UInt16(offset)
            if offset % 3 == 1 {
                let dropped = numbering.drop(value)
                #expect(dropped)
            } else { outputs.append(numbering.forward(value)!) }
        }
        #expect(outputs == (0..<outputs.count).map { UInt16(65_530) &+ UInt16($0) })
        let droppedOld = numbering.drop(65_530)
        #expect(droppedOld == false)  // forwarded already
        #expect(numbering.forward(65_531) == nil)  // dropped
        #expect(numbering.input(forOutput: 65_532) == 65_533)
        var pictures = GapFreeNumbering(bits: 15)
        #expect(pictures.forward(0x7FFF) == 0x7FFF)
        let droppedPicture = pictures.drop(0)
        #expect(droppedPicture)
        #expect(pictures.forward(1) == 0)
    }

    @Test("policy: heavy loss twice cuts to what got through (one report or an outage does not), no loss never climbs past 1.5× what was sent, a probe every 45 s that backs off")
    func layerPolicy() {
        var policy = TemporalLayerPolicy(topLayer: 1)
        let rates = [200.0, 800.0]
        #expect(policy.layer == 1 && policy.estimateKbps == nil)
        #expect(policy.report(fractionLost: 0, sentKbps: 800, layerKbps: rates, now: .seconds(1)) == 1)
        // One lossy report, and an outage, change nothing.
        #expect(policy.report(fractionLost: 0.6, sentKbps: 800, layerKbps: rates, now: .milliseconds(1500)) == 1)
        #expect(policy.report(fractionLost: 1, sentKbps: 800, layerKbps: rates, now: .milliseconds(1600)) == 1)
        #expect(policy.report(fractionLost: 0.6, sentKbps: 800, layerKbps: rates, now: .milliseconds(1700)) == 1)
        // A 300 kbit/s link under 800 kbit/s: 60 % lost, twice in a row.
        #expect(policy.report(fractionLost: 0.6, sentKbps: 800, layerKbps: rates, now: .seconds(2)) == 0)
        #expect(abs(policy.estimateKbps! - 320) < 0.001)
        var layers: [Int: UInt8] = [:]
        for second in 3...46 {
            layers[second] = policy.report(fractionLost: 0, sentKbps: 200, layerKbps: rates, now: .seconds(second))
        }
        #expect(layers.filter { $0.key < 47 && $0.value != 0 }.map(\.key) == [], "stays at layer 0 until the probe")
        #expect(policy.estimateKbps! < 320.001, "no growth past what was sent × 1.5")
        #expect(policy.report(fractionLost: 0, sentKbps: 200, layerKbps: rates, now: .seconds(47)) == 1, "probe at 45 s after the cut")
        #expect(policy.report(fractionLost: 0.5, sentKbps: 600, layerKbps: rates, now: .milliseconds(47_500)) == 1)
        #expect(policy.report(fractionLost: 0.5, sentKbps: 600, layerKbps: rates, now: .seconds(48)) == 0, "the probe failed")
        var probed: Duration?
        for second in 49...200 where probed == nil {
            if policy.report(fractionLost: 0, sentKbps: 200, layerKbps: rates, now: .seconds(second)) == 1 { probed = .seconds(second) }
        }
        #expect(probed == .seconds(48 + 90), "the next probe 90 s later")
        // Middling loss holds; a successful probe whose rate fits well ends the limit.
        #expect(policy.report(fractionLost: 0.05, sentKbps: 800, layerKbps: rates, now: .seconds(139)) == 1)
        for second in 140...160 { policy.report(fractionLost: 0, sentKbps: 800, layerKbps: rates, now: .seconds(second)) }
        #expect(policy.estimateKbps == nil && policy.layer == 1)
    }

    @Test("policy: a publisher whose stream shrinks for a while (its send estimate backing off) does not end a receiver's limit")
    func layerPolicyKeepsTheLimitWhileTheStreamShrinks() {
        var policy = TemporalLayerPolicy(topLayer: 1)
        let full = [200.0, 800.0]
        policy.report(fractionLost: 0.6, sentKbps: 800, layerKbps: full, now: .seconds(1))
        #expect(policy.report(fractionLost: 0.6, sentKbps: 800, layerKbps: full, now: .seconds(2)) == 0)
        // The publisher backs off to ~190 kbit/s: the whole stream fits the 320 the link carried, and is forwarded.
        let shrunk = [100.0, 190.0]
        #expect(policy.report(fractionLost: 0, sentKbps: 100, layerKbps: shrunk, now: .seconds(3)) == 1)
        for second in 4...8 { policy.report(fractionLost: 0, sentKbps: 190, layerKbps: shrunk, now: .seconds(second)) }
        #expect(policy.estimateKbps != nil, "carrying 190 kbit/s does not show the link carries the 800 it could not")
        // Back at 800: the base layer again at once, not two lossy reports later.
        #expect(policy.report(fractionLost: 0, sentKbps: 190, layerKbps: full, now: .seconds(9)) == 0)
    }

    @Test("layer rates: cumulative kbit/s per layer over the last seconds")
    func layerRates() {
        var rates = TemporalLayerRates()
        for tenth in 0..<30 {
            let now = Duration.milliseconds(100 * tenth)
            rates.add(layer: 0, bytes: 2500, now: now)  // 200 kbit/s
            rates.add(layer: 1, bytes: 7500, now: now)  // 600 kbit/s
        }
        let kbps = rates.cumulativeKbps(now: .milliseconds(2950))
        #expect(kbps.count == 2)
        #expect(abs(kbps[0] - 200) < 20 && abs(kbps[1] - 800) < 80, "\(kbps)")
    }
}
