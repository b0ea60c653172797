import Foundation
import Testing
import TrtcCore
import TrtcCodecs
import TrtcHarness
import TrtcRTP

@Suite("trtcd media: lost video packets are asked for and sent again (RTCP generic NACK)", .serialized)
struct MediaRetransmissionTests {
    @Test("a receiver's NACK for alice's video: trtcd sends those packets again, unchanged")
    func senderRetransmits() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120),
                                        "fps": .uint32(15)])
            try await alice.enter("alice", room: .numeric(16), server: room.server)
            try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 5)
            let sent = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)).packets
            let asked = Array(sent.suffix(3).map(\.sequenceNumber))
            let ssrc = try #require(sent.last?.ssrc)

            try await RawMediaMember.with(room, userId: "carol", roomId: 16, video: false, audio: false) { media, socket in
                socket.send(RTCPGenericNACK(senderSSRC: media.videoSsrc, mediaSSRC: ssrc, sequenceNumbers: asked).serialized())
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline {
                    let packets = try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)?.packets ?? []
                    if asked.allSatisfy({ number in packets.count { $0.sequenceNumber == number } >= 2 }) { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            let packets = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)).packets
            for number in asked {
                let copies = packets.filter { $0.sequenceNumber == number }
                #expect(copies.count == 2, "packet \(number) recorded \(copies.count) times")
                #expect(Set(copies.map { $0.serialized() }).count == 1, "the same bytes again")
            }
            try await alice.exit()
        }
    }

    @Test("a packet missing from a member's video: the watching trtcd names it in a NACK")
    func receiverAsksForTheMissingPacket() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.enter("alice", room: .numeric(17), server: room.server)
            let withheld = try await RawMediaMember.with(room, userId: "dave", roomId: 17, video: true, audio: false) { media, socket -> UInt16 in
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("dave"), .boolean(true)] }
                _ = try await alice.call("StartRemoteVideo", [.string("dave"), .string("main")])

                var configuration = VP8EncoderConfiguration(width: 160, height: 120, bitrateKbps: 300)
                configuration.frameDropping = false
                let encoder = try VP8Encoder(configuration: configuration)
                var packetizer = try VP8Packetizer(ssrc: media.videoSsrc, payloadType: RTPPayloadType.vp8)
                var withheld: UInt16?
                for index in 0..<20 {
                    for frame in try encoder.encode(try I420Frame(width: 160, height: 120, luma: UInt8(40 + index * 5))) {
                        for packet in packetizer.packetize(frame) {
                            if index == 10 && withheld == nil { withheld = packet.sequenceNumber; continue }
                            socket.send(packet.serialized())
                        }
                    }
                    try await Task.sleep(for: .milliseconds(33))
                }
                let missing = try #require(withheld)
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline {
                    for datagram in socket.receive(timeoutMs: 200) where RTCPPacket.isRTCP(datagram) {
                        for case .genericNACK(let nack) in (try? RTCPPacket.parseCompound(datagram)) ?? []
                        where nack.mediaSSRC == media.videoSsrc && nack.sequenceNumbers.contains(missing) {
                            return missing
                        }
                    }
                }
                Issue.record("no NACK naming packet \(missing) of dave's video arrived")
                return missing
            }
            _ = withheld
            try await alice.exit()
        }
    }
}
