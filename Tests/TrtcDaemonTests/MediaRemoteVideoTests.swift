import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcPipeWire

@Suite("trtcd remote video: another user's video decoded into a PipeWire Video/Source node", .serialized)
struct MediaRemoteVideoTests {
    @Test("StartRemoteVideo returns a node that shows bob's camera (our capture and GStreamer read it), a sub node too; Stop, bob leaving and ExitRoom remove them")
    func remoteVideoNode() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let node = "trtcd.remote.bob.main"
            try await bob.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240), "fps": .uint32(15),
                "bitrate": .uint32(300),
            ])
            try await bob.enter("bob", room: .numeric(12), server: room.server)
            try await alice.enter("alice", room: .numeric(12), server: room.server)
            try await alice.waitFor("UserVideoAvailable") { $0 == [.string("bob"), .boolean(true)] }

            // Bad input first: clear errors, nothing created.
            #expect(await alice.failure("StartRemoteVideo", [.string("nobody"), .string("main")])?.name == "org.trtcd.Trtc1.Error.InvalidArgument")
            #expect(await alice.failure("StartRemoteVideo", [.string("bob"), .string("side")])?.name == "org.trtcd.Trtc1.Error.InvalidArgument")

            let reply = try await alice.call("StartRemoteVideo", [.string("bob"), .string("main")])
            let nodeId = try #require(reply.first?.uint32)
            #expect(try room.pipeWire.nodeId(named: node) == Int(nodeId))
            let again = try await alice.call("StartRemoteVideo", [.string("bob"), .string("main")])
            #expect(again.first?.uint32 == nodeId, "the same node for the same user")

            // An independent PipeWire client sees bob's camera picture at bob's size.
            let socket = try #require(room.pipeWire.exports["PIPEWIRE_RUNTIME_DIR"]) + "/pipewire-0"
            let loop = try PipeWireLoop(name: "remote-video-viewer", remote: socket)
            let capture = try VideoCapture(loop: loop, options: VideoCaptureOptions(camera: node, width: 320, height: 240, fps: 15))
            let events = await capture.events.collect(timeout: .seconds(10)) { events in
                events.count { if case .frame = $0 { true } else { false } } >= 5
            }
            capture.stop()
            let frames = events.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
            #expect(frames.count >= 5)
            for frame in frames {
                #expect(frame.width == 320 && frame.height == 240)
                #expect(Set(frame.y).count > 8, "a decoded test pattern, not the black placeholder")
            }

            // GStreamer reads it by node id (path=), as SPEC §3 says.
            let gst = try room.pipeWire.run("timeout", [
                "20", "gst-launch-1.0", "-q", "pipewiresrc", "path=\(nodeId)", "num-buffers=3", "!",
                "video/x-raw,format=I420,width=320,height=240", "!", "fakesink",
            ])
            #expect(gst.status == 0, "gst-launch: \(gst.stderr)")

            // The sub stream's node exists (black: nothing publishes a sub stream) and goes on its own.
            let subReply = try await alice.call("StartRemoteVideo", [.string("bob"), .string("sub")])
            let subNode = try #require(subReply.first?.uint32)
            let subNodeInDump = try room.pipeWire.nodeId(named: "trtcd.remote.bob.sub")
            #expect(subNode != nodeId && subNodeInDump == Int(subNode))
            try await alice.call("StopRemoteVideo", [.string("bob"), .string("sub")])
            #expect(try await room.pipeWire.waitForNode(named: "trtcd.remote.bob.sub", present: false))
            #expect(try room.pipeWire.nodeId(named: node) == Int(nodeId), "main untouched")

            try await alice.call("StopRemoteVideo", [.string("bob"), .string("main")])
            #expect(try await room.pipeWire.waitForNode(named: node, present: false))

            // Bob leaving takes his nodes with him.
            _ = try await alice.call("StartRemoteVideo", [.string("bob"), .string("main")])
            _ = try await alice.call("StartRemoteVideo", [.string("bob"), .string("sub")])
            try await bob.exit()
            try await alice.waitFor("RemoteUserLeaveRoom") { $0.first == .string("bob") }
            #expect(try await room.pipeWire.waitForNode(named: node, present: false))
            #expect(try await room.pipeWire.waitForNode(named: "trtcd.remote.bob.sub", present: false))
            #expect(await alice.failure("StartRemoteVideo", [.string("bob"), .string("main")])?.name == "org.trtcd.Trtc1.Error.InvalidArgument")

            // ExitRoom removes every remote node before it returns.
            alice.clear()
            try await bob.enter("bob", room: .numeric(12), server: room.server)  // his exit closed his camera
            try await alice.waitFor("RemoteUserEnterRoom") { $0.first == .string("bob") }
            _ = try await alice.call("StartRemoteVideo", [.string("bob"), .string("main")])
            try await alice.exit()
            #expect(try room.pipeWire.nodeId(named: node) == nil)
            #expect(await alice.failure("StartRemoteVideo", [.string("bob"), .string("main")])?.name == "org.trtcd.Trtc1.Error.NotInRoom")
        }
    }
}
