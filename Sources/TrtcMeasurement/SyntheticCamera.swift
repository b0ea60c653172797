#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import TrtcCodecs
import TrtcCore
import TrtcPipeWire

/// A PipeWire `Video/Source` node showing a `SyntheticScene` at a steady frame rate, every picture stamped with its
/// frame id and the moment it was handed to PipeWire (`FrameStamp`): the camera of glass-to-glass measurements.
/// trtcd publishes it like any camera (StartLocalVideo with `camera` = `nodeName`).
///
/// A thread of its own renders frame n ahead of time, sleeps until its due time (start + n / fps on the monotonic
/// clock), writes the stamp with the current time and pushes the picture into the node (`VideoSource`), which drives
/// the graph: the picture reaches whoever is linked at once. A late frame is pushed at once and counted
/// (`framesLate`); ids stay consecutive.
public final class SyntheticCamera: @unchecked Sendable {
    public let nodeName: String
    public let scene: SyntheticScene
    public let fps: Int
    private let source: VideoSource
    private let running = Atomic<Bool>(true)
    private let pushed = Atomic<Int>(0)
    private let late = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)

    /// Creates the node and starts pushing pictures.
    /// - Throws: what `VideoSource` throws (bad size, PipeWire refusing the node), or `FrameError` for a picture
    ///   too small for the stamp.
    public init(loop: PipeWireLoop, nodeName: String = "trtc-synthetic-camera", width: Int, height: Int, fps: Int = 30) throws {
        guard FrameStamp.fits(width: width, height: height) else { throw FrameError.invalidSize(width: width, height: height) }
        scene = try SyntheticScene(width: width, height: height)
        self.nodeName = nodeName
        self.fps = fps
        source = try VideoSource(loop: loop, nodeName: nodeName, description: "trtc-bench synthetic camera (stamped)",
                                 width: width, height: height, fps: fps)
        let thread = Thread { [self] in run() }
        thread.name = "synthetic-camera"
        thread.qualityOfService = .userInteractive
        thread.start()
    }

    deinit { stop() }

    /// Pictures handed to the node so far (the next frame id).
    public var framesPushed: Int { pushed.load(ordering: .relaxed) }

    /// Pictures pushed more than one frame interval after their due time (the machine was busy).
    public var framesLate: Int { late.load(ordering: .relaxed) }

    /// Pictures PipeWire took from the node (buffers filled when the graph ran); fewer than `framesPushed` when a
    /// push found the previous picture not yet taken.
    public var framesDelivered: Int { source.framesDelivered }

    /// The node's PipeWire id, nil once stopped.
    public var nodeId: UInt32? { source.nodeId }

    /// Stops pushing and removes the node. Idempotent.
    public func stop() {
        if running.exchange(false, ordering: .acquiringAndReleasing) {
            finished.wait()
            source.stop()
        }
    }

    private func run() {
        defer { finished.signal() }
        let interval = Int64(1_000_000_000 / fps)
        let start = Self.nanoseconds(MonotonicClock.now)
        var frameId: UInt32 = 0
        while running.load(ordering: .relaxed) {
            let due = start + Int64(frameId) * interval
            var picture = scene.picture(frameId)
            var wake = timespec(tv_sec: Int(due / 1_000_000_000), tv_nsec: Int(due % 1_000_000_000))
            while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, nil) == EINTR {}
            let now = MonotonicClock.now
            if Self.nanoseconds(now) - due > interval { late.add(1, ordering: .relaxed) }
            let stamp = FrameStamp(frameId: frameId, captureMicroseconds: UInt64(Self.nanoseconds(now) / 1000))
            try? stamp.write(into: &picture)
            picture.timestamp = now
            try? source.push(picture)
            pushed.add(1, ordering: .relaxed)
            frameId &+= 1
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
