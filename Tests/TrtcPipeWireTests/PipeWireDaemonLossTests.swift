import Foundation
import Testing
import TrtcHarness
import TrtcHarnessTesting


@testable import TrtcPipeWire

/// The PipeWire daemon itself going away mid-capture (its own environment: the test kills it).
@Suite(.pipeWireTestEnvironment)
struct PipeWireDaemonLossTests {
    let environment = PipeWireTestEnvironment.current!

    @Test func daemonExitStopsCaptureAndLaterCallsFailCleanly() async throws {
        let loop = try PipeWireLoop(name: "trtcd-test-daemon-loss", remote: environment.socketPath)
        let capture = try VideoCapture(loop: loop, options: VideoCaptureOptions(width: 320, height: 240))
        let pid = try #require(environment.exports["PIPEWIRE_TEST_PIPEWIRE_PID"].flatMap { pid_t($0) })
        #expect(kill(pid, SIGKILL) == 0)

        let reason = await PipeWireCaptureLifecycleTests.stopReason(of: capture.events, timeout: .seconds(3)) { event in
            if case .stopped(let reason) = event { return reason }
            return nil
        }
        let stopReason = try #require(reason, "capture did not stop after the daemon died")
        #expect(stopReason != .requested)
        capture.stop()

        #expect(loop.connectionError != nil)
        #expect(throws: PipeWireError.self) { _ = try loop.devices() }
        #expect(throws: PipeWireError.self) { _ = try AudioCapture(loop: loop) }
    }
}
