import CPipeWire
import TrtcCodecs

/// A PipeWire `Video/Source` node that shows pictures pushed into it (I420), e.g. a remote user's decoded video:
/// any PipeWire client (GStreamer's `pipewiresrc path=<nodeId>`, an app's `pw_stream`, trtcd's own capture) can link
/// to it. The node drives itself: a picture goes out when it is pushed, not on a clock.
///
/// State lives on the PipeWire loop thread; the public members take the loop lock. `stop()` (or releasing the
/// object) removes the node.
public final class VideoSource: @unchecked Sendable {
    public let nodeName: String
    public let width: Int
    public let height: Int
    public let fps: Int

    let loop: PipeWireLoop
    private var stream: PipeWireStream?
    // Loop-thread state.
    private var latest: I420Frame?
    private var framesSent = 0

    /// One block per buffer: luma rows of `lumaStride` bytes, then U and V rows of half that.
    var lumaStride: Int { (width + 7) & ~7 }
    var chromaStride: Int { lumaStride / 2 }
    var bufferSize: Int { lumaStride * height + 2 * chromaStride * ((height + 1) / 2) }

    /// Creates the node `nodeName` (media.class Video/Source) offering I420 at `width`×`height`@`fps`, and waits until
    /// PipeWire has created it (`nodeId`).
    /// - Throws: `invalidArgument` for a bad size, `connectionFailed` when PipeWire refuses the node.
    public init(loop: PipeWireLoop, nodeName: String, description: String, width: Int, height: Int, fps: Int = 30,
                timeout: Duration = .seconds(3)) throws(PipeWireError) {
        guard (2...I420Frame.maximumDimension).contains(width), (2...I420Frame.maximumDimension).contains(height),
              width % 2 == 0, height % 2 == 0, (1...120).contains(fps)
        else { throw .invalidArgument("video source size \(width)x\(height)@\(fps) (even sizes, 1…120 fps)") }
        self.loop = loop
        self.nodeName = nodeName
        self.width = width
        self.height = height
        self.fps = fps
        try loop.withLock { () throws(PipeWireError) in
            stream = try PipeWireStream.openNodeLocked(
                loop: loop, endpoint: .source(nodeName: nodeName), consumer: self, name: nodeName,
                properties: [
                    "media.class": "Video/Source", "media.type": "Video", "media.category": "Source",
                    "media.role": "Communication", "node.description": description,
                ],
                timeout: timeout)
        }
    }

    deinit { stop() }

    /// The node's id in PipeWire (what `pipewiresrc path=` takes); nil once stopped.
    public var nodeId: UInt32? {
        loop.withLock { stream?.nodeId }
    }

    /// Pictures handed to PipeWire so far.
    public var framesDelivered: Int {
        loop.withLock { framesSent }
    }

    /// Shows `frame` from now on (a picture of another size is refused: the node's format is fixed).
    /// The node sends it to whoever is linked the next time the graph runs, which this call triggers.
    public func push(_ frame: I420Frame) throws(PipeWireError) {
        guard frame.width == width, frame.height == height else {
            throw .invalidArgument("picture \(frame.width)x\(frame.height) for a \(width)x\(height) video source")
        }
        loop.withLock {
            latest = frame
            if let stream { stream.triggerProcessLocked() }
        }
    }

    /// Removes the node. Idempotent.
    public func stop() {
        loop.withLock {
            stream?.closeLocked()
            stream = nil
        }
    }
}

extension VideoSource: PipeWireStreamConsumer {
    func formatParams(builder: UnsafeMutablePointer<spa_pod_builder>) -> [UnsafePointer<spa_pod>] {
        var format = [RawVideoPixelFormat.i420.spaFormat.rawValue]
        return format.withUnsafeMutableBufferPointer { list in
            [trtc_pw_build_video_raw_enum_format(
                builder, list.baseAddress, 1, UInt32(width), UInt32(height), UInt32(width), UInt32(height), 1,
                UInt32(fps), UInt32(fps), 1)].compactMap { $0 }
        }
    }

    var bufferCount: (preferred: Int32, range: ClosedRange<Int32>) { (4, 2...8) }

    func bufferParams(builder: UnsafeMutablePointer<spa_pod_builder>) -> [UnsafePointer<spa_pod>?] {
        [
            trtc_pw_build_meta_header_param(builder),
            trtc_pw_build_video_buffers_param(
                builder, bufferCount.preferred, bufferCount.range.lowerBound, bufferCount.range.upperBound,
                Int32(bufferSize), Int32(lumaStride)),
        ]
    }

    func formatChanged(_ format: UnsafePointer<spa_pod>) -> String? {
        var info = spa_video_info_raw()
        guard trtc_pw_parse_video_raw(format, &info) >= 0 else { return "unreadable raw video format" }
        guard info.format == RawVideoPixelFormat.i420.spaFormat, Int(info.size.width) == width, Int(info.size.height) == height
        else { return "video source '\(nodeName)' offers only I420 \(width)x\(height)" }
        return nil
    }

    /// Fills one buffer with the newest picture (black until the first one), on the loop thread.
    func process(_ buffer: UnsafeMutablePointer<spa_buffer>, timestamp: Duration) {
        guard buffer.pointee.n_datas > 0, let data = buffer.pointee.datas, let base = data[0].data,
              let chunk = data[0].chunk, Int(data[0].maxsize) >= bufferSize
        else { return }
        let destination = base.assumingMemoryBound(to: UInt8.self)
        let chromaRows = (height + 1) / 2
        let uOffset = lumaStride * height
        let vOffset = uOffset + chromaStride * chromaRows
        if let frame = latest {
            Self.copyPlane(frame.y, stride: frame.strideY, into: destination, stride: lumaStride, width: width, rows: height)
            Self.copyPlane(frame.u, stride: frame.strideU, into: destination + uOffset, stride: chromaStride,
                           width: frame.chromaWidth, rows: chromaRows)
            Self.copyPlane(frame.v, stride: frame.strideV, into: destination + vOffset, stride: chromaStride,
                           width: frame.chromaWidth, rows: chromaRows)
        } else {
            destination.update(repeating: 16, count: uOffset)
            (destination + uOffset).update(repeating: 128, count: bufferSize - uOffset)
        }
        chunk.pointee.offset = 0
        chunk.pointee.size = UInt32(bufferSize)
        chunk.pointee.stride = Int32(lumaStride)
        if let header = trtc_spa_buffer_meta_header(buffer) {
            header.pointee.pts = Int64(timestamp / .nanoseconds(1))
            header.pointee.seq = UInt64(framesSent)
        }
        framesSent += 1
    }

    func captureStopped(_ reason: CaptureStopReason) {}

    private static func copyPlane(_ source: [UInt8], stride sourceStride: Int, into destination: UnsafeMutablePointer<UInt8>,
                                  stride destinationStride: Int, width: Int, rows: Int) {
        source.withUnsafeBufferPointer { plane in
            guard let start = plane.baseAddress else { return }
            for row in 0..<rows {
                (destination + row * destinationStride).update(from: start + row * sourceStride, count: width)
            }
        }
    }
}
