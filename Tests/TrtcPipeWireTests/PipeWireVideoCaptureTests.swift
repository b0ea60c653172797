import Testing


import TrtcCodecs
import TrtcHarness
import TrtcHarnessTesting
@testable import TrtcPipeWire

@Suite(.pipeWireTestEnvironment, .serialized)
struct PipeWireVideoCaptureTests {
    let environment = PipeWireTestEnvironment.current!

    /// The first `count` frames, or fewer if capture stops or stalls for 5 s.
    static func frames(from capture: VideoCapture, count: Int) async -> [I420Frame] {
        let events = await capture.events.collect(timeout: .seconds(5)) { events in
            events.count { if case .frame = $0 { true } else { false } } >= count
                || events.contains { if case .stopped = $0 { true } else { false } }
        }
        return events.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
    }

    @Test func deliversFramesOfTheNegotiatedSizeWithPictureContent() async throws {
        let loop = try PipeWireLoop(name: "trtcd-test-video", remote: environment.socketPath)
        let capture = try VideoCapture(
            loop: loop, options: VideoCaptureOptions(camera: PipeWireTestEnvironment.cameraName, width: 352, height: 288, fps: 30))
        defer { capture.stop() }
        let format = try #require(capture.format)
        // The test camera accepts any size, so the requested one is honoured.
        #expect(format.width == 352)
        #expect(format.height == 288)

        let frames = await Self.frames(from: capture, count: 5)
        #expect(frames.count == 5)
        for frame in frames {
            #expect(frame.width == 352 && frame.height == 288)
            // A test pattern, not a flat fill: many distinct luma values.
            #expect(Set(frame.y).count > 8, "luma of a \(format) frame is nearly flat")
        }
        let timestamps = frames.map(\.timestamp)
        #expect(timestamps == timestamps.sorted() && Set(timestamps).count == timestamps.count)
    }

    @Test func defaultCameraIsTheTestCamera() async throws {
        let loop = try PipeWireLoop(name: "trtcd-test-video", remote: environment.socketPath)
        let capture = try VideoCapture(loop: loop, options: VideoCaptureOptions(width: 320, height: 240, fps: 15))
        defer { capture.stop() }
        #expect(capture.device.name == PipeWireTestEnvironment.cameraName)
        let frames = await Self.frames(from: capture, count: 2)
        #expect(frames.count == 2)
    }

    @Test func missingCameraIsDeviceUnavailable() throws {
        let loop = try PipeWireLoop(name: "trtcd-test-video", remote: environment.socketPath)
        let error = #expect(throws: PipeWireError.self) {
            _ = try VideoCapture(loop: loop, options: VideoCaptureOptions(camera: "no-such-camera"))
        }
        guard case .deviceUnavailable(let message) = error else {
            Issue.record("expected deviceUnavailable, got \(String(describing: error))")
            return
        }
        #expect(message.contains("no-such-camera"))
    }

    @Test func outOfRangeOptionsAreRejected() throws {
        let loop = try PipeWireLoop(name: "trtcd-test-video", remote: environment.socketPath)
        #expect(throws: PipeWireError.invalidArgument("frame rate 0 is outside 1…120")) {
            _ = try VideoCapture(loop: loop, options: VideoCaptureOptions(fps: 0))
        }
        #expect(throws: PipeWireError.self) {
            _ = try VideoCapture(loop: loop, options: VideoCaptureOptions(width: 0, height: 480))
        }
    }
}

extension PipeWireVideoCaptureTests {
    @Test func honoursTheRequestedFrameRate() async throws {
        let loop = try PipeWireLoop(name: "trtcd-test-video", remote: environment.socketPath)
        let capture = try VideoCapture(
            loop: loop, options: VideoCaptureOptions(camera: PipeWireTestEnvironment.cameraName, width: 160, height: 120, fps: 10))
        defer { capture.stop() }
        #expect(capture.format?.frameRate == 10)
        let frames = await Self.frames(from: capture, count: 5)
        try #require(frames.count == 5)
        // The camera produces a frame every graph cycle (21.3 ms); capture thins that to 10 fps on a schedule of
        // 100 ms steps from the first frame, keeping a frame at most half a step early (`FrameRateThinner`), so frame
        // k is never delivered before k × 100 − 50 ms, however loaded the machine (a late frame only delays it).
        // Delivering every camera frame would put frame 4 at about 85 ms. How promptly frames come is for the
        // benchmarks; `frames(from:count:)` only gives up after a 5 s stall.
        let offsets = frames.map { $0.timestamp - frames[0].timestamp }
        for (index, offset) in offsets.enumerated() {
            #expect(offset >= .milliseconds(100 * index - 50), "frame \(index) at \(offset): \(offsets)")
        }
    }
}

extension PipeWireVideoCaptureTests {
    /// The test camera offers RGB (its default) and UYVY: the YUV choice wins, as it would for a webcam
    /// offering YUY2 and RGB, because it needs less memory per capture buffer.
    @Test func prefersYUVOverTheCamerasDefaultRGB() async throws {
        let loop = try PipeWireLoop(name: "trtcd-test-video", remote: environment.socketPath)
        let capture = try VideoCapture(
            loop: loop, options: VideoCaptureOptions(camera: PipeWireTestEnvironment.cameraName, width: 1280, height: 720, fps: 30))
        defer { capture.stop() }
        let format = try #require(capture.format)
        #expect(format.pixelFormat == "UYVY", "negotiated \(format)")
        #expect(format.width == 1280 && format.height == 720 && format.frameRate == 30)
        let frames = await Self.frames(from: capture, count: 3)
        #expect(frames.count == 3)
        #expect(frames.allSatisfy { $0.width == 1280 && $0.height == 720 && Set($0.y).count > 8 })
    }

    @Test func preferenceGroupsOfferEveryFormatOnceSmallestFirst() {
        let offered = RawVideoPixelFormat.preferenceGroups.flatMap { $0 }
        #expect(offered.count == RawVideoPixelFormat.allCases.count)
        #expect(Set(offered) == Set(RawVideoPixelFormat.allCases))
        #expect(offered.first == .i420)
        // Bits per pixel grow from one group to the next: 12 (4:2:0), 16 (4:2:2), 24/32 (RGB).
        func bitsPerPixel(_ format: RawVideoPixelFormat) -> Int {
            switch format.layout {
            case .planar420, .semiPlanar420: 12
            case .packed422: 16
            case .packedRGB(let bytesPerPixel, _, _, _): bytesPerPixel * 8
            }
        }
        let groups = RawVideoPixelFormat.preferenceGroups.map { $0.map(bitsPerPixel) }
        for (smaller, larger) in zip(groups, groups.dropFirst()) {
            #expect(smaller.max()! < larger.min()!)
        }
    }
}
