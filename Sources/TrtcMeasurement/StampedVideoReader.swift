import Dispatch
import Synchronization
import TrtcCodecs
import TrtcPipeWire

/// Reads pictures from a PipeWire video node exactly as an app would (a capture stream linked to the node, every
/// buffer it sends taken, none thinned out) and recovers the `FrameStamp` of each: which picture it is and when it
/// was captured, against when it was read. Every `qualityEvery`-th readable picture is also compared with the one
/// that was sent, rebuilt from its frame id (`SyntheticScene.stampedPicture`), on a queue of its own; while that
/// queue is busy, pictures are not compared (the measurement must not hold up the reading).
public final class StampedVideoReader: @unchecked Sendable {
    public struct Quality: Sendable, Equatable {
        public var frameId: UInt32
        public var readTime: Duration
        /// Luma PSNR against the sent picture, dB (`.infinity` when identical).
        public var psnr: Double
    }

    private struct State {
        var pictures: [ReceivedPicture] = []
        var unreadable = 0
        var quality: [Quality] = []
        var comparing = false
        var readable = 0
    }

    public let nodeName: String
    private let capture: VideoCapture
    private let scene: SyntheticScene?
    private let qualityEvery: Int
    private let state = Mutex(State())
    private let qualityQueue = DispatchQueue(label: "stamped-video-reader.quality", qos: .utility)
    private var reading: Task<Void, Never>?

    /// Links a capture stream to the node `nodeName` (its `node.name`) and starts reading.
    /// - Parameter scene: the sender's scene, for PSNR; nil: no comparison.
    public init(loop: PipeWireLoop, nodeName: String, width: Int, height: Int, fps: Int = 30, scene: SyntheticScene? = nil,
                qualityEvery: Int = 5, startTimeout: Duration = .seconds(5)) throws(PipeWireError) {
        self.nodeName = nodeName
        self.scene = scene
        self.qualityEvery = max(1, qualityEvery)
        capture = try VideoCapture(
            loop: loop, options: VideoCaptureOptions(camera: nodeName, width: width, height: height, fps: fps, thinsToFrameRate: false),
            startTimeout: startTimeout)
        reading = Task { [self, capture] in
            for await event in capture.events {
                guard case .frame(let frame) = event else { break }
                receive(frame)
            }
        }
    }

    deinit { capture.stop() }

    /// Pictures read so far with a readable stamp, in reading order.
    public var pictures: [ReceivedPicture] { state.withLock { $0.pictures } }

    /// How many pictures have been read so far with a readable stamp (cheaper than `pictures`).
    public var readableCount: Int { state.withLock { $0.pictures.count } }

    /// Pictures whose stamp could not be read (CRC mismatch: damaged beyond recognition).
    public var unreadable: Int { state.withLock { $0.unreadable } }

    /// The comparisons made so far.
    public var quality: [Quality] { state.withLock { $0.quality } }

    /// The negotiated format of the capture, e.g. "I420 640x480 @ 30.0 fps".
    public var format: String { capture.format.map { "\($0)" } ?? "?" }

    /// Unlinks from the node and waits until the last picture has been handled and the last comparison made.
    public func stop() async {
        capture.stop()
        await reading?.value
        qualityQueue.sync {}
    }

    private func receive(_ frame: I420Frame) {
        guard let stamp = FrameStamp.read(from: frame) else {
            state.withLock { $0.unreadable += 1 }
            return
        }
        let picture = ReceivedPicture(frameId: stamp.frameId, captureTime: stamp.captureTime, readTime: frame.timestamp)
        let compare = state.withLock { state -> Bool in
            state.pictures.append(picture)
            state.readable += 1
            guard scene != nil, state.readable % qualityEvery == 0, !state.comparing else { return false }
            state.comparing = true
            return true
        }
        guard compare, let scene else { return }
        qualityQueue.async { [self] in
            let sent = try? scene.stampedPicture(stamp)
            let psnr = sent.flatMap { frame.lumaPSNR(comparedTo: $0) }
            self.state.withLock { state in
                state.comparing = false
                if let psnr { state.quality.append(Quality(frameId: stamp.frameId, readTime: picture.readTime, psnr: psnr)) }
            }
        }
    }
}
