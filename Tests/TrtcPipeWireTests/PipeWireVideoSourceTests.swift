import Foundation
import Synchronization
import Testing
import TrtcHarness
import TrtcHarnessTesting


@testable import TrtcPipeWire
import TrtcMediaTestSupport

/// A `VideoSource` node in a real PipeWire: another client captures exactly the pictures pushed into it.
@Suite(.pipeWireTestEnvironment, .serialized)
struct PipeWireVideoSourceTests {
    let environment = PipeWireTestEnvironment.current!

    @Test func capturedPicturesAreThePushedOnesAndStopRemovesTheNode() async throws {
        let loop = try PipeWireLoop(name: "trtcd-test-video-source", remote: environment.socketPath)
        let name = "trtcd.remote.tester.main"
        let source = try VideoSource(loop: loop, nodeName: name, description: "test remote video", width: 320, height: 240)
        let nodeId = try #require(source.nodeId)
        let node = try #require(try environment.dump().first { $0.isNode && $0.id == Int(nodeId) })
        #expect(node.properties["node.name"] == name)
        #expect(node.properties["media.class"] == "Video/Source")

        // Push the same picture at 30 fps while another client (our capture) links to the node.
        let picture = TestPattern.frame(width: 320, height: 240, index: 7)
        let pushing = Atomic<Bool>(true)
        let pusher = Thread {
            while pushing.load(ordering: .relaxed) {
                try? source.push(picture)
                Thread.sleep(forTimeInterval: 1.0 / 30)
            }
        }
        pusher.start()
        defer { pushing.store(false, ordering: .relaxed) }

        let capture = try VideoCapture(loop: loop, options: VideoCaptureOptions(camera: name, width: 320, height: 240, fps: 30))
        let frames = await PipeWireVideoCaptureTests.frames(from: capture, count: 5)
        capture.stop()
        #expect(capture.format?.pixelFormat == "I420")
        #expect(frames.count == 5)
        for frame in frames {
            #expect(frame.width == 320 && frame.height == 240)
            #expect(frame.y == picture.y && frame.u == picture.u && frame.v == picture.v, "the picture arrives unchanged")
        }
        #expect(source.framesDelivered >= 5)

        #expect(throws: PipeWireError.self) { try source.push(TestPattern.frame(width: 640, height: 480, index: 0)) }
        pushing.store(false, ordering: .relaxed)
        source.stop()
        #expect(source.nodeId == nil)
        #expect(try environment.dump().contains { $0.isNode && $0.properties["node.name"] == name } == false)
    }

    @Test func oddOrHugeSizesAreRefused() throws {
        let loop = try PipeWireLoop(name: "trtcd-test-video-source", remote: environment.socketPath)
        for (width, height) in [(321, 240), (0, 240), (320, 99_999)] {
            #expect(throws: PipeWireError.self) {
                _ = try VideoSource(loop: loop, nodeName: "trtcd.remote.bad", description: "bad", width: width, height: height)
            }
        }
    }
}
