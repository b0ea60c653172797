import Foundation
import Testing
import TrtcHarness
import TrtcCore
import TrtcDBus
import TrtcRTP
import TrtcHarnessTesting

@Suite("trtcd media: MuteLocalVideo stops the RTP itself, not only the availability", .serialized)
struct MediaMuteTests {
    @Test("MuteLocalVideo(true): no video RTP reaches the server while audio flows on; MuteLocalVideo(false) resumes it")
    func muteStopsVideoRTP() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            try await bob.enter("bob", room: .numeric(53), server: room.server)
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120),
                                        "fps": .uint32(15)])
            try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
            try await alice.enter("alice", room: .numeric(53), server: room.server)
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            func video() throws -> Int { try room.recordedCount(user: "alice", payloadType: RTPPayloadType.vp8) }
            func audio() throws -> Int { try room.recordedCount(user: "alice", payloadType: RTPPayloadType.opus) }
            try await room.waitForRecording("alice's video and audio") { _ in try video() >= 10 && audio() >= 10 }

            bob.clear()
            try await alice.call("MuteLocalVideo", [.boolean(true)])
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(false)] }
            #expect(try await alice.property("LocalVideo") == .boolean(true), "muting keeps the camera open")
            // Alice's audio is the clock: both kinds leave trtcd through one socket and the recorder writes in arrival
            // order, so once 50 more audio packets (a second of sending) are on disk, any video packet sent meanwhile
            // would be on disk too. The first 5 let what was sent before the mute arrive.
            let audioAtMute = try audio()
            try await room.waitForRecording("5 more audio packets of alice") { _ in try audio() >= audioAtMute + 5 }
            let videoWhileMuted = try video()
            try await room.waitForRecording("50 more audio packets of alice") { _ in try audio() >= audioAtMute + 55 }
            #expect(try video() == videoWhileMuted, "video RTP kept flowing while muted")

            try await alice.call("MuteLocalVideo", [.boolean(false)])
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            try await room.waitForRecording("alice's video again after unmuting") { _ in try video() >= videoWhileMuted + 5 }
            // The server never had to drop anything: trtcd stopped sending before it said it stopped publishing.
            #expect(try await room.metric("trtc_media_dropped_total{reason=\"not-publishing\"}") == 0)
        }
    }
}
