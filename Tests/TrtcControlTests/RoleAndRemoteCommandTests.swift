import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// `trtcctl audio mute|unmute`, `remote-video --sub` and `enter --role audience` against a real trtcd (and PipeWire),
/// with other real members in the room.
@Suite("trtcctl audio mute, remote-video --sub, enter --role audience with a real trtcd")
struct RoleAndRemoteCommandTests {
    /// The ids of the PipeWire nodes called `name` (pw-dump against the private PipeWire).
    static func nodeIds(named name: String, pipewire: [String: String]) async throws -> [Int] {
        for _ in 0..<3 {
            let dump = try await CommandRun.run("/usr/bin/pw-dump", [], environment: pipewire)
            // pw-dump 0.3.65 occasionally prints malformed JSON while objects come and go: retried.
            guard dump.status == 0, let objects = try? JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [[String: Any]]
            else { continue }
            return objects.map(PipeWireDumpObject.init).filter { $0.isNode && $0.properties["node.name"] == name }.map(\.id)
        }
        throw TestFailure("pw-dump failed three times")
    }

    @Test("audio mute keeps the microphone open and tells the others; unmute tells them again")
    func audioMute() async throws {
        try await withPipeWire { pipewire in
            try await withDaemonSession(daemonEnvironment: pipewire) { session in
                try await withMembers(["bob"], in: .numeric(19), on: session.server) { members in
                    let bob = members[0]
                    let enter = try await session.trtcctl(["enter", "--room", "19", "--user", "alice", "--audio"])
                    #expect(enter.status == 0, "\(enter)")
                    try await LocalMediaCommandTests.waitForAvailability(bob, of: "alice", ["audio+"])

                    let mute = try await session.trtcctl(["audio", "mute"])
                    #expect(mute.status == 0 && mute.stdout.isEmpty, "\(mute)")
                    try await LocalMediaCommandTests.waitForAvailability(bob, of: "alice", ["audio+", "audio-"])
                    #expect(try await LocalMediaCommandTests.localDevices(session) == (.bool(false), .bool(true)), "muted microphone stays open")

                    let unmute = try await session.trtcctl(["audio", "unmute"])
                    #expect(unmute.status == 0 && unmute.stdout.isEmpty, "\(unmute)")
                    try await LocalMediaCommandTests.waitForAvailability(bob, of: "alice", ["audio+", "audio-", "audio+"])
                    #expect(try await LocalMediaCommandTests.localDevices(session) == (.bool(false), .bool(true)))
                    // The video half: nothing was published, so nothing changed.
                    #expect(!LocalMediaCommandTests.availability(bob, of: "alice").contains { $0.hasPrefix("video") })
                    #expect(try await session.trtcctl(["exit"]).status == 0)
                }
            }
        }
    }

    @Test("remote-video --sub prints the sub node's id (its own node, next to main); --sub --stop removes only it")
    func remoteVideoSub() async throws {
        try await withPipeWire { pipewire in
            try await withDaemonSession(daemonEnvironment: pipewire) { session in
                try await withMembers(["bob"], in: .numeric(20), on: session.server) { _ in
                    #expect(try await session.trtcctl(["enter", "--room", "20", "--user", "alice"]).status == 0)

                    let sub = try await session.trtcctl(["remote-video", "bob", "--sub"])
                    let subId = try #require(Int(sub.stdout.trimmingCharacters(in: .newlines)), "\(sub)")
                    #expect(sub.status == 0 && sub.stdout == "\(subId)\n", "\(sub)")
                    #expect(try await Self.nodeIds(named: "trtcd.remote.bob.sub", pipewire: pipewire) == [subId])
                    #expect(try await Self.nodeIds(named: "trtcd.remote.bob.main", pipewire: pipewire) == [])
                    // Asked again: the same node.
                    #expect(try await session.trtcctl(["remote-video", "bob", "--sub"]).stdout == "\(subId)\n")

                    let main = try await session.trtcctl(["remote-video", "bob"])
                    let mainId = try #require(Int(main.stdout.trimmingCharacters(in: .newlines)), "\(main)")
                    #expect(mainId != subId)
                    #expect(try await Self.nodeIds(named: "trtcd.remote.bob.main", pipewire: pipewire) == [mainId])

                    let stop = try await session.trtcctl(["remote-video", "bob", "--sub", "--stop"])
                    #expect(stop.status == 0 && stop.stdout.isEmpty, "\(stop)")
                    // Gone when the call returns (StopRemoteVideo); the main node stays.
                    #expect(try await Self.nodeIds(named: "trtcd.remote.bob.sub", pipewire: pipewire) == [])
                    #expect(try await Self.nodeIds(named: "trtcd.remote.bob.main", pipewire: pipewire) == [mainId])
                    #expect(try await session.trtcctl(["exit"]).status == 0)
                    #expect(try await Self.nodeIds(named: "trtcd.remote.bob.main", pipewire: pipewire) == [])
                }
            }
        }
    }

    @Test("enter --role audience in the live scene: Role audience, not announced to the room, publishing not permitted")
    func enterAsAudience() async throws {
        try await withDaemonSession { session in
            try await withMembers(["bob"], in: .numeric(21), on: session.server) { members in
                let bob = members[0]
                let enter = try await session.trtcctl(["enter", "--room", "21", "--user", "carol", "--scene", "live", "--role", "audience"])
                #expect(enter.status == 0, "\(enter)")
                #expect(enter.stdout.wholeMatch(of: /entered room 21 as carol in \d+ ms\n/) != nil, "\(enter)")
                let status = try await DaemonEndToEndTests.statusJSON(session)
                #expect(status["Role"] == .string("audience"))
                #expect(status["State"] == .string("in-room"))
                #expect(status["RemoteUsers"] == .array([.string("bob")]), "the audience member sees the anchor")

                // Dave enters after carol: bob hears of dave, and would have heard of carol first had she been announced.
                try await withMembers(["dave"], in: .numeric(21), on: session.server) { _ in
                    try await bob.waitFor("dave entering") { if case .userEnter(userId: "dave", _) = $0 { true } else { nil } }
                    #expect(!bob.messages.contains { if case .userEnter(userId: "carol", _) = $0 { true } else { false } }, "\(bob.messages)")
                }
                // As audience, carol cannot publish.
                let video = try await session.trtcctl(["video", "start"])
                #expect(video.status == 1 && video.stderr.hasPrefix("trtcctl: org.trtcd.Trtc1.Error.NotPermitted: [-3] "), "\(video)")
                #expect(try await session.trtcctl(["exit"]).status == 0)
                #expect(try await DaemonEndToEndTests.statusJSON(session)["Role"] == .string("anchor"), "anchor again when idle")

                let bad = try await session.trtcctl(["enter", "--room", "21", "--user", "carol", "--role", "viewer"])
                #expect(bad.status == 2, "\(bad)")
            }
        }
    }
}
