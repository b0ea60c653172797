import Foundation
import Testing
import TrtcCore
import TrtcCodecs
import TrtcHarness
import TrtcRTP

@Suite("trtcd media: lost video packets are asked for and sent again (RTCP generic NACK)", .serialized)
struct MediaRetransmissionTests {
    @Test("a late receiver's NACK for alice's video is answered from the server's cache with the bytes alice sent (but for its own transport-wide number)")
    func serverAnswersFromItsCache() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120),
                                        "fps": .uint32(15)])
            try await alice.enter("alice", room: .numeric(16), server: room.server)
            try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 5)
            let sent = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)).packets
            let asked = Array(sent.suffix(3))
            let ssrc = try #require(sent.last?.ssrc)

            // Carol entered after these packets went out, so only a retransmission can bring them to her.
            let received = try await RawMediaMember.with(room, userId: "carol", roomId: 16, video: false, audio: false) { media, socket in
                socket.send(RTCPGenericNACK(senderSSRC: media.videoSsrc, mediaSSRC: ssrc, sequenceNumbers: asked.map(\.sequenceNumber)).serialized())
                var found: [RTPPacket] = []
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline && found.count < asked.count {
                    for datagram in socket.receive(timeoutMs: 200) {
                        guard let packet = try? RTPPacket(parsing: datagram), packet.ssrc == ssrc,
                              asked.contains(where: { $0.sequenceNumber == packet.sequenceNumber }),
                              !found.contains(where: { $0.sequenceNumber == packet.sequenceNumber }) else { continue }
                        found.append(packet)
                    }
                }
                return found
            }
            // The same bytes, but for the transport-wide number: carol's copies carry her own (the server numbers each
            // receiver's packets; protocol.md §2).
            func withoutNumber(_ bytes: [UInt8]) -> [UInt8] {
                var copy = bytes
                copy.withUnsafeMutableBytes { _ = TransportWideSequenceNumber.overwrite(0, in: $0) }
                return copy
            }
            for packet in asked {
                let copy = try #require(received.first { $0.sequenceNumber == packet.sequenceNumber }, "packet \(packet.sequenceNumber)")
                #expect(withoutNumber(copy.serialized()) == withoutNumber(packet.serialized()),
                        "packet \(packet.sequenceNumber): the same bytes again")
            }
            let numbers = received.compactMap { TransportWideSequenceNumber.read(from: $0.serialized()) }
            #expect(numbers.count == asked.count && Set(numbers).count == asked.count, "each resend its own number: \(numbers)")
            let answered = try await room.metric("trtc_media_retransmissions_total")
            #expect(answered == Double(asked.count))
            try await alice.exit()
        }
    }

    @Test("a packet missing from a member's video: the watching trtcd names it in a NACK")
    func receiverAsksForTheMissingPacket() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.enter("alice", room: .numeric(17), server: room.server)
            let withheld = try await RawMediaMember.with(room, userId: "dave", roomId: 17, video: true, audio: false) { media, socket -> UInt16? in
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("dave"), .boolean(true)] }
                _ = try await alice.call("StartRemoteVideo", [.string("dave"), .string("main")])

                // Dave streams until alice's trtcd names a withheld packet in a NACK, rather than sending a fixed
                // schedule: how soon her receiver is ready (its node, the first key frame, her media connection) is
                // not known here — under ThreadSanitizer it took longer than a 20-frame schedule with one gap in 2 of
                // 3 runs. So one packet of every 10th delta frame is withheld and PLIs are answered with a key frame:
                // whenever the receiver is ready, the next gap is one it sees.
                var configuration = VP8EncoderConfiguration(width: 160, height: 120, bitrateKbps: 300)
                configuration.frameDropping = false
                let encoder = try VP8Encoder(configuration: configuration)
                var packetizer = try VP8Packetizer(ssrc: media.videoSsrc, payloadType: RTPPayloadType.vp8)
                var withheld: Set<UInt16> = []
                var keyframeAsked = false
                let deadline = ContinuousClock.now + .seconds(30)
                var index = 0
                while ContinuousClock.now < deadline {
                    for frame in try encoder.encode(try I420Frame(width: 160, height: 120, luma: UInt8(40 + index % 40 * 5)),
                                                    forceKeyframe: keyframeAsked) {
                        for (position, packet) in packetizer.packetize(frame).enumerated() {
                            if !frame.isKeyframe && index % 10 == 9 && position == 0 { withheld.insert(packet.sequenceNumber); continue }
                            socket.send(packet.serialized())
                        }
                    }
                    keyframeAsked = false
                    index += 1
                    // About one frame's time (33 ms) spent reading what came back.
                    for datagram in socket.receive(timeoutMs: 33) where RTCPPacket.isRTCP(datagram) {
                        for packet in (try? RTCPPacket.parseCompound(datagram)) ?? [] {
                            switch packet {
                            case .genericNACK(let nack) where nack.mediaSSRC == media.videoSsrc:
                                if let named = nack.sequenceNumbers.first(where: withheld.contains) { return named }
                            case .pictureLossIndication(let pli) where pli.mediaSSRC == media.videoSsrc:
                                keyframeAsked = true
                            default:
                                break
                            }
                        }
                    }
                }
                Issue.record("no NACK named any of the \(withheld.count) packets withheld from dave's video in 30 s (\(index) frames)")
                return nil
            }
            #expect(withheld != nil)
            try await alice.exit()
        }
    }
}
