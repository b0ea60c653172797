import Foundation
import Testing
import TrtcHarness
import TrtcHarnessTesting

@testable import TrtcPipeWire

/// A camera that offers only MJPG (a GStreamer pipeline publishing JPEG frames as a Video/Source node).
@Suite(.pipeWireTestEnvironment)
struct PipeWireCompressedCameraTests {
    let environment = PipeWireTestEnvironment.current!

    @Test func mjpgOnlyCameraIsAClearDeviceUnavailableError() async throws {
        let name = "trtc-test-mjpg-camera"
        // Killed when released, at the end of the test.
        let pipeline = try ChildProcess(
            "gst-launch-1.0",
            [
                "-q", "videotestsrc", "is-live=true", "!", "video/x-raw,width=320,height=240,framerate=15/1", "!", "jpegenc", "!",
                "pipewiresink", "mode=provide", "stream-properties=props,media.class=Video/Source,node.name=\(name)",
            ],
            environment: environment.childEnvironment)

        let loop = try PipeWireLoop(name: "trtcd-test-mjpg", remote: environment.socketPath)
        let deadline = ContinuousClock.now + .seconds(5)
        var camera: PipeWireDevice?
        while camera == nil, ContinuousClock.now < deadline {
            camera = try loop.devices().devices(of: .videoSource).first { $0.name == name }
            if camera == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let device = try #require(camera, "the MJPG camera did not appear: \(pipeline.outputText) \(pipeline.errorOutput)")
        #expect(try loop.offeredFormatSubtypes(of: device) == ["MJPG"])
        #expect(try loop.offeredFormatSubtypes(of: loop.devices().resolve(PipeWireTestEnvironment.cameraName, of: .videoSource)) == ["raw"])

        let error = #expect(throws: PipeWireError.self) {
            _ = try VideoCapture(loop: loop, options: VideoCaptureOptions(camera: name))
        }
        guard case .deviceUnavailable(let message) = error else {
            Issue.record("expected deviceUnavailable, got \(String(describing: error))")
            return
        }
        // Said at once by the format check, not by the start timeout (whose message mentions MJPG cameras too).
        #expect(message.contains("'\(name)' offers only MJPG video") && message.contains("does not decode MJPG"), "\(message)")
        #expect(!message.contains("no media from"), "\(message)")
    }
}
