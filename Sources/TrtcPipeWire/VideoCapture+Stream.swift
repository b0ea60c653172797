import CPipeWire

extension VideoCapture: PipeWireStreamConsumer {
    /// Each buffer holds a whole picture (1.8 MiB for 1280×720 UYVY, 2.6 MiB as RGB) mapped into trtcd, so
    /// few: `process` converts a frame and returns its buffer at once (1–3 ms), leaving the camera one to
    /// fill and one spare.
    var bufferCount: (preferred: Int32, range: ClosedRange<Int32>) { (3, 2...8) }

    /// Exact size and rate first, then exact size, then anything: inside a range the camera's
    /// own default would win, so the request is honoured whenever the camera can do it.
    /// At each of those levels the pixel format groups follow in preference order (YUV before RGB):
    /// PipeWire links the first of our choices the camera can meet.
    func formatParams(builder: UnsafeMutablePointer<spa_pod_builder>) -> [UnsafePointer<spa_pod>] {
        let groups = RawVideoPixelFormat.preferenceGroups.map { group in group.map { $0.spaFormat.rawValue } }
        return [(true, true), (true, false), (false, false)].flatMap { fixedSize, fixedRate in
            groups.compactMap { formats in
                formats.withUnsafeBufferPointer { list in
                    trtc_pw_build_video_raw_enum_format(
                        builder, list.baseAddress, UInt32(list.count),
                        UInt32(options.width), UInt32(options.height),
                        UInt32(VideoCaptureOptions.maximumDimension), UInt32(VideoCaptureOptions.maximumDimension),
                        fixedSize ? 1 : 0, UInt32(options.fps), UInt32(VideoCaptureOptions.maximumFPS), fixedRate ? 1 : 0)
                }
            }
        }
    }

    func formatChanged(_ format: UnsafePointer<spa_pod>) -> String? {
        var mediaType: UInt32 = 0
        var mediaSubtype: UInt32 = 0
        guard trtc_pw_parse_media_type(format, &mediaType, &mediaSubtype) >= 0 else { return "unreadable format" }
        guard mediaType == SPA_MEDIA_TYPE_video.rawValue else { return "camera '\(device.name)' does not produce video" }
        guard mediaSubtype == SPA_MEDIA_SUBTYPE_raw.rawValue else {
            let name = mediaSubtype == SPA_MEDIA_SUBTYPE_mjpg.rawValue ? "MJPG" : "compressed video (subtype \(mediaSubtype))"
            return "camera '\(device.name)' offers \(name); only raw video is supported"
        }
        var info = spa_video_info_raw()
        guard trtc_pw_parse_video_raw(format, &info) >= 0 else { return "unreadable raw video format" }
        guard let pixelFormat = RawVideoPixelFormat(spaFormat: info.format) else {
            return "camera '\(device.name)' offers unsupported pixel format \(info.format.rawValue)"
        }
        let frameRate = info.framerate.denom == 0 ? 0 : Double(info.framerate.num) / Double(info.framerate.denom)
        negotiatedPixelFormat = pixelFormat
        negotiated = VideoCaptureFormat(
            pixelFormat: pixelFormat.rawValue, width: Int(info.size.width), height: Int(info.size.height), frameRate: frameRate)
        return nil
    }

    func process(_ buffer: UnsafeMutablePointer<spa_buffer>, timestamp: Duration) {
        guard let format = negotiated, let pixelFormat = negotiatedPixelFormat else { return }
        counts.buffers += 1
        guard shouldDeliverFrame(at: timestamp) else {
            counts.thinned += 1
            return
        }
        guard let planes = Self.planes(of: buffer.pointee, format: pixelFormat, width: format.width, height: format.height) else {
            counts.conversionFailures += 1
            return
        }
        do {
            let frame = try RawVideoConverter.makeI420(
                format: pixelFormat, planes: planes, width: format.width, height: format.height, timestamp: timestamp)
            if case .dropped = continuation.yield(.frame(frame)) { counts.unread += 1 }
        } catch {
            // A short or malformed buffer loses that frame only.
            counts.conversionFailures += 1
        }
    }

    func captureStopped(_ reason: CaptureStopReason) {
        finalReason = reason
        continuation.yield(.stopped(reason))
        continuation.finish()
    }

    /// Thins a faster source down to `options.fps`, keeping the long-run rate exact (`FrameRateThinner`).
    private func shouldDeliverFrame(at timestamp: Duration) -> Bool {
        guard options.thinsToFrameRate else { return true }
        return thinner.keep(at: timestamp)
    }

    /// The picture's planes inside a mapped buffer: one `spa_data` per plane, or all planes
    /// packed one after another in a single block (luma stride, chroma at half of it).
    static func planes(of buffer: spa_buffer, format: RawVideoPixelFormat, width: Int, height: Int) -> [RawVideoPlane]? {
        guard buffer.n_datas > 0, let datas = buffer.datas else { return nil }
        func block(_ index: Int) -> (bytes: UnsafeRawBufferPointer, stride: Int)? {
            let data = datas[index]
            guard let base = data.data, let chunk = data.chunk else { return nil }
            let maxSize = Int(data.maxsize)
            let offset = Int(chunk.pointee.offset) % max(maxSize, 1)
            let size = min(Int(chunk.pointee.size), maxSize - offset)
            guard size > 0 else { return nil }
            return (UnsafeRawBufferPointer(start: base + offset, count: size), Int(chunk.pointee.stride))
        }
        if Int(buffer.n_datas) >= format.planeCount {
            var planes: [RawVideoPlane] = []
            for index in 0..<format.planeCount {
                guard let (bytes, stride) = block(index) else { return nil }
                let minimum = index == 0 ? format.minimumStride(width: width) : (format.planeCount == 3 ? (width + 1) / 2 : (width + 1) / 2 * 2)
                planes.append(RawVideoPlane(bytes: bytes, stride: stride > 0 ? stride : minimum))
            }
            return planes
        }
        guard let (bytes, declaredStride) = block(0) else { return nil }
        let lumaStride = declaredStride > 0 ? declaredStride : format.minimumStride(width: width)
        let chromaHeight = (height + 1) / 2
        let lumaSize = lumaStride * height
        func slice(_ start: Int, _ count: Int) -> UnsafeRawBufferPointer {
            let start = min(start, bytes.count)
            return UnsafeRawBufferPointer(rebasing: bytes[start..<min(start + count, bytes.count)])
        }
        switch format.layout {
        case .planar420:
            let chromaStride = lumaStride / 2
            let chromaSize = chromaStride * chromaHeight
            return [
                RawVideoPlane(bytes: slice(0, lumaSize), stride: lumaStride),
                RawVideoPlane(bytes: slice(lumaSize, chromaSize), stride: chromaStride),
                RawVideoPlane(bytes: slice(lumaSize + chromaSize, chromaSize), stride: chromaStride),
            ]
        case .semiPlanar420:
            return [
                RawVideoPlane(bytes: slice(0, lumaSize), stride: lumaStride),
                RawVideoPlane(bytes: slice(lumaSize, lumaStride * chromaHeight), stride: lumaStride),
            ]
        case .packed422, .packedRGB:
            return [RawVideoPlane(bytes: bytes, stride: lumaStride)]
        }
    }
}
