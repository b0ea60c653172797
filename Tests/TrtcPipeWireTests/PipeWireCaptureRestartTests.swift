import Foundation
import Testing
import TrtcHarness
import TrtcHarnessTesting


@testable import TrtcPipeWire

/// Stopping a camera capture while frames flow, over and over (trtcd's StartLocalVideo /
/// StopLocalVideo). libpipewire hands each frame's `process` to the loop thread as a queued
/// invoke; destroying the stream before that ran made the loop thread read a freed stream.
/// The race is narrow; run with `MALLOC_PERTURB_=165` so freed memory is poisoned: the code
/// before the fix then crashed (libpipewire+0x95314) in about half of the runs, as in trtcd.
@Suite(.pipeWireTestEnvironment, .serialized)
struct PipeWireCaptureRestartTests {
    let environment = PipeWireTestEnvironment.current!

    /// Node ids owned by the client named `applicationName`, and whether that client exists.
    func nodes(ofClient applicationName: String) throws -> (clientExists: Bool, nodeIds: [Int]) {
        let dump = try environment.dump()
        guard let client = dump.first(where: { $0.isClient && $0.properties["application.name"] == applicationName }) else {
            return (false, [])
        }
        return (true, dump.filter { $0.isNode && $0.properties["client.id"] == String(client.id) }.map(\.id))
    }

    @Test func stoppingWhileFramesFlowTwentyTimesLeavesNothingBehind() async throws {
        let clientName = "trtcd-test-restart-\(UUID().uuidString.prefix(8))"
        let loop = try PipeWireLoop(name: clientName, remote: environment.socketPath)
        let cameraId = try #require(try environment.dump().first {
            $0.isNode && $0.properties["node.name"] == PipeWireTestEnvironment.cameraName
        }?.id)
        let sizes = [(640, 480), (1280, 720)]

        for cycle in 0..<20 {
            let (width, height) = sizes[cycle % 2]
            let capture = try VideoCapture(
                loop: loop, options: VideoCaptureOptions(camera: PipeWireTestEnvironment.cameraName, width: width, height: height, fps: 30))
            // Stop right after a frame arrived, so more are in flight on PipeWire's threads.
            let events = await capture.events.collect(timeout: .seconds(5)) { events in
                events.filter { if case .frame = $0 { return true } else { return false } }.count >= 2
            }
            let sizesSeen = events.compactMap { event -> (Int, Int)? in
                if case .frame(let frame) = event { return (frame.width, frame.height) } else { return nil }
            }
            #expect(sizesSeen.count >= 2, "cycle \(cycle): \(sizesSeen.count) frames")
            #expect(sizesSeen.allSatisfy { $0 == (width, height) }, "cycle \(cycle): frames \(sizesSeen)")
            // Vary where in the frame interval the stop lands.
            try await Task.sleep(for: .milliseconds(cycle % 4 * 10))
            capture.stop()
            #expect(capture.stopReason == .requested, "cycle \(cycle)")
        }

        // Still alive (a use-after-free would have killed the test process), the connection still
        // answers, and pw-dump shows none of our streams nor any link from the camera.
        try loop.withLock { () throws(PipeWireError) in try loop.roundTripLocked() }
        #expect(loop.connectionError == nil)
        let left = try nodes(ofClient: clientName)
        #expect(left.clientExists)
        #expect(left.nodeIds.isEmpty, "nodes left: \(left.nodeIds)")
        #expect(try environment.dump().compactMap(\.linkEnds).filter { $0.output == cameraId }.isEmpty)
    }
}
