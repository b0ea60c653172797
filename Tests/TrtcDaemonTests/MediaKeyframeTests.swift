import Foundation
import Glibc
import Logging
import Testing
import TrtcClient
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcHarnessTesting
import TrtcRTP

@Suite("trtcd media: an RTCP picture loss indication from a receiver gets a key frame", .serialized)
struct MediaKeyframeTests {
    @Test("a receiver bound to the server sends PLI for trtcd's video SSRC: the next recorded frame is a key frame")
    func keyframeOnPLI() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120),
                                        "fps": .uint32(15)])
            try await alice.enter("alice", room: .numeric(12), server: room.server)
            try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 5)
            let before = try Self.keyframes(room)
            #expect(before == 1, "only the starting key frame so far (interval 3000 frames)")
            let aliceSSRC = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)?.packets.first?.ssrc)

            // A second member, played by the test: signaling for a grant, then a bound UDP socket sending PLI.
            let keyframes = try await RawMediaMember.with(room, userId: "carol", roomId: 12, video: false, audio: false) { media, socket in
                let pli = RTCPPictureLossIndication(senderSSRC: media.videoSsrc, mediaSSRC: aliceSSRC).serialized()
                let deadline = ContinuousClock.now + .seconds(10)
                var count = before
                while count <= before && ContinuousClock.now < deadline {
                    socket.send(pli)
                    try await Task.sleep(for: .milliseconds(300))
                    count = try Self.keyframes(room)
                }
                return count
            }
            #expect(keyframes > before, "no key frame after PLI")
        }
    }

    static func keyframes(_ room: MediaRoom) throws -> Int {
        guard let video = try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8) else { return 0 }
        var depacketizer = VP8Depacketizer()
        var count = 0
        for packet in video.packets { count += try depacketizer.insert(packet).filter(\.isKeyframe).count }
        return count
    }
}
