extension I420Frame {
    /// This picture at another size (nearest neighbour: cheap, and only used when a remote sender changes its
    /// resolution mid-stream while a fixed-size node shows it).
    public func scaled(width newWidth: Int, height newHeight: Int) throws(FrameError) -> I420Frame {
        var scaled = try I420Frame(width: newWidth, height: newHeight, timestamp: timestamp)
        func resample(_ source: [UInt8], _ sourceStride: Int, _ sourceWidth: Int, _ sourceHeight: Int,
                      into target: inout [UInt8], _ targetStride: Int, _ targetWidth: Int, _ targetHeight: Int) {
            let columns = (0..<targetWidth).map { $0 * sourceWidth / targetWidth }
            for row in 0..<targetHeight {
                let sourceRow = row * sourceHeight / targetHeight * sourceStride
                let targetRow = row * targetStride
                for (column, sourceColumn) in columns.enumerated() {
                    target[targetRow + column] = source[sourceRow + sourceColumn]
                }
            }
        }
        resample(y, strideY, width, height, into: &scaled.y, scaled.strideY, newWidth, newHeight)
        resample(u, strideU, chromaWidth, chromaHeight, into: &scaled.u, scaled.strideU, scaled.chromaWidth, scaled.chromaHeight)
        resample(v, strideV, chromaWidth, chromaHeight, into: &scaled.v, scaled.strideV, scaled.chromaWidth, scaled.chromaHeight)
        return scaled
    }
}
