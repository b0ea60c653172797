import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness

@Suite("trtcd media: bad options, missing devices and the audience get clear errors", .serialized)
struct MediaErrorTests {
    @Test("missing devices, unknown options, wrong types, out-of-range values, audience")
    func errors() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            let noCamera = await alice.failure("StartLocalVideo", [.variantDictionary(["camera": .string("no-such-camera")])])
            #expect(noCamera?.name == "org.trtcd.Trtc1.Error.DeviceUnavailable")
            #expect(noCamera?.message.hasPrefix("[-1301]") == true, "\(String(describing: noCamera))")
            let noMicrophone = await alice.failure("StartLocalAudio", [.variantDictionary(["microphone": .string("no-such-mic")])])
            #expect(noMicrophone?.name == "org.trtcd.Trtc1.Error.DeviceUnavailable")
            #expect(noMicrophone?.message.hasPrefix("[-1302]") == true, "\(String(describing: noMicrophone))")

            for options: [String: DBusValue] in [["colour": .string("red")], ["width": .string("640")], ["fps": .uint32(0)],
                                                 ["bitrate": .int32(800)], ["camera": .uint32(1)], ["bindToCaller": .string("yes")]] {
                let failure = await alice.failure("StartLocalVideo", [.variantDictionary(options)])
                #expect(failure?.name == "org.trtcd.Trtc1.Error.InvalidArgument", "\(options): \(String(describing: failure))")
            }
            let badAudio = await alice.failure("StartLocalAudio", [.variantDictionary(["bitrate": .uint32(1)])])
            #expect(badAudio?.name == "org.trtcd.Trtc1.Error.InvalidArgument")
            #expect(try await alice.property("LocalVideo") == .boolean(false))
            #expect(try await alice.property("LocalAudio") == .boolean(false))
            #expect(try room.pipeWire.residue().isEmpty)

            try await alice.enter("viewer", room: .numeric(5), server: room.server,
                                  extra: ["scene": .string("live"), "role": .string("audience")])
            let audienceVideo = await alice.failure("StartLocalVideo", [.variantDictionary([:])])
            #expect(audienceVideo?.name == "org.trtcd.Trtc1.Error.NotPermitted")
            let audienceAudio = await alice.failure("StartLocalAudio", [.variantDictionary([:])])
            #expect(audienceAudio?.name == "org.trtcd.Trtc1.Error.NotPermitted")
            #expect(try room.pipeWire.residue().isEmpty)
        }
    }
}
