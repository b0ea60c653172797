import CPlaneScaling

extension I420Frame {
    /// This picture at another size: a box filter when shrinking (each sample the mean of the samples it covers, so
    /// the publisher's scaled-down pictures do not alias), nearest neighbour when enlarging (a fixed-size remote video
    /// node showing a sender that scaled down). In C: ~10x cheaper than Swift in a debug build.
    public func scaled(width newWidth: Int, height newHeight: Int) throws(FrameError) -> I420Frame {
        var scaled = try I420Frame(width: newWidth, height: newHeight, timestamp: timestamp)
        func resample(_ source: [UInt8], _ sourceStride: Int, _ sourceWidth: Int, _ sourceHeight: Int,
                      into target: inout [UInt8], _ targetStride: Int, _ targetWidth: Int, _ targetHeight: Int) {
            source.withUnsafeBufferPointer { input in
                target.withUnsafeMutableBufferPointer { output in
                    trtc_plane_box_scale(input.baseAddress, Int32(sourceStride), Int32(sourceWidth), Int32(sourceHeight),
                                         output.baseAddress, Int32(targetStride), Int32(targetWidth), Int32(targetHeight))
                }
            }
        }
        resample(y, strideY, width, height, into: &scaled.y, scaled.strideY, newWidth, newHeight)
        resample(u, strideU, chromaWidth, chromaHeight, into: &scaled.u, scaled.strideU, scaled.chromaWidth, scaled.chromaHeight)
        resample(v, strideV, chromaWidth, chromaHeight, into: &scaled.v, scaled.strideV, scaled.chromaWidth, scaled.chromaHeight)
        return scaled
    }
}
