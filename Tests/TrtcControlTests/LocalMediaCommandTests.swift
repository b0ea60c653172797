import Foundation
import Testing
import TrtcCore
import TrtcHarness

/// `trtcctl video …`, `audio …` and `enter --video --audio` against a real trtcd capturing from a private
/// PipeWire's test camera and microphone; another real member in the room sees the publishing state.
@Suite("trtcctl video and audio with a real trtcd and PipeWire")
struct LocalMediaCommandTests {
    static func localDevices(_ session: DaemonSession) async throws -> (video: JSONValue?, audio: JSONValue?) {
        let status = try await DaemonEndToEndTests.statusJSON(session)
        return (status["LocalVideo"], status["LocalAudio"])
    }

    /// The availability changes `member` saw for `user`, in order, as "video+", "audio-", ….
    static func availability(_ member: RoomMember, of user: String) -> [String] {
        member.messages.compactMap { message in
            switch message {
            case .userVideo(let userId, let available, _) where userId == user: "video" + (available ? "+" : "-")
            case .userAudio(let userId, let available, _) where userId == user: "audio" + (available ? "+" : "-")
            default: nil
            }
        }
    }

    static func waitForAvailability(_ member: RoomMember, of user: String, _ expected: [String]) async throws {
        try await member.waitFor("availability \(expected)") { _ in
            availability(member, of: user) == expected ? true : nil
        }
    }

    @Test("enter --video --audio publishes from entry; mute/unmute/stop change what others see; exit releases the devices")
    func publishing() async throws {
        try await withPipeWire { pipewire in
            try await withDaemonSession(daemonEnvironment: pipewire) { session in
                try await withMembers(["bob"], in: .numeric(9), on: session.server) { members in
                    let bob = members[0]
                    let enter = try await session.trtcctl(["enter", "--room", "9", "--user", "alice", "--video", "--audio"])
                    #expect(enter.status == 0, "\(enter)")
                    #expect(try await Self.localDevices(session) == (.bool(true), .bool(true)))
                    try await bob.waitFor("alice publishing") { _ in
                        Set(Self.availability(bob, of: "alice")) == ["video+", "audio+"] ? true : nil
                    }
                    let initial = Self.availability(bob, of: "alice")

                    #expect(try await session.trtcctl(["video", "mute"]).status == 0)
                    try await Self.waitForAvailability(bob, of: "alice", initial + ["video-"])
                    #expect(try await session.trtcctl(["video", "unmute"]).status == 0)
                    try await Self.waitForAvailability(bob, of: "alice", initial + ["video-", "video+"])
                    #expect(try await Self.localDevices(session).video == .bool(true), "muted devices stay open")

                    #expect(try await session.trtcctl(["audio", "stop"]).status == 0)
                    try await Self.waitForAvailability(bob, of: "alice", initial + ["video-", "video+", "audio-"])
                    #expect(try await Self.localDevices(session) == (.bool(true), .bool(false)))
                    #expect(try await session.trtcctl(["audio", "start", "--microphone", PipeWireTestEnvironment.microphoneName]).status == 0)
                    try await Self.waitForAvailability(bob, of: "alice", initial + ["video-", "video+", "audio-", "audio+"])

                    let missing = try await session.trtcctl(["video", "start", "--camera", "no-such-camera"])
                    #expect(missing.status == 1, "\(missing)")
                    #expect(missing.stderr.hasPrefix("trtcctl: org.trtcd.Trtc1.Error.DeviceUnavailable: ["), "\(missing)")

                    // Bob sends no video: his node opens at the default size (after waiting for a first picture).
                    let remote = try await session.trtcctl(["remote-video", "bob"])
                    #expect(remote.status == 0 && Int(remote.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) != nil, "\(remote)")
                    #expect(try await session.trtcctl(["remote-video", "bob", "--stop"]).status == 0)
                    let nobody = try await session.trtcctl(["remote-video", "nobody"])
                    #expect(nobody.status == 1 && nobody.stderr.contains("Error.InvalidArgument"), "\(nobody)")

                    #expect(try await session.trtcctl(["exit"]).status == 0)
                    #expect(try await bob.waitForLeave(of: "alice") == .left)
                    #expect(try await Self.localDevices(session) == (.bool(false), .bool(false)), "exit closes camera and microphone")
                }
            }
        }
    }

    @Test("video start --camera before entering opens the named camera; stop closes it")
    func beforeEntering() async throws {
        try await withPipeWire { pipewire in
            try await withDaemonSession(daemonEnvironment: pipewire) { session in
                let start = try await session.trtcctl(["video", "start", "--camera", PipeWireTestEnvironment.cameraName])
                #expect(start.status == 0 && start.stdout.isEmpty, "\(start)")
                #expect(try await Self.localDevices(session) == (.bool(true), .bool(false)))
                #expect(try await session.trtcctl(["video", "stop"]).status == 0)
                #expect(try await Self.localDevices(session) == (.bool(false), .bool(false)))
            }
        }
    }
}
