import CPipeWire

extension AudioCapture: PipeWireStreamConsumer {
    /// Audio buffers are small (one quantum); spares let a briefly busy loop thread catch up.
    var bufferCount: (preferred: Int32, range: ClosedRange<Int32>) { (8, 2...16) }

    func formatParams(builder: UnsafeMutablePointer<spa_pod_builder>) -> [UnsafePointer<spa_pod>] {
        let param = trtc_pw_build_audio_raw_enum_format(
            builder, SPA_AUDIO_FORMAT_F32.rawValue, UInt32(options.sampleRate), UInt32(options.channels))
        return param.map { [$0] } ?? []
    }

    func formatChanged(_ format: UnsafePointer<spa_pod>) -> String? {
        var mediaType: UInt32 = 0
        var mediaSubtype: UInt32 = 0
        guard trtc_pw_parse_media_type(format, &mediaType, &mediaSubtype) >= 0,
            mediaType == SPA_MEDIA_TYPE_audio.rawValue, mediaSubtype == SPA_MEDIA_SUBTYPE_raw.rawValue
        else { return "microphone '\(device.name)' does not produce raw audio" }
        var info = spa_audio_info_raw()
        guard trtc_pw_parse_audio_raw(format, &info) >= 0 else { return "unreadable audio format" }
        guard info.format == SPA_AUDIO_FORMAT_F32, info.channels > 0, info.rate > 0 else {
            return "negotiated audio format \(info.format.rawValue) is not 32-bit float"
        }
        negotiatedRate = Int(info.rate)
        negotiatedChannels = Int(info.channels)
        return nil
    }

    func process(_ buffer: UnsafeMutablePointer<spa_buffer>, timestamp: Duration) {
        guard negotiatedChannels > 0, buffer.pointee.n_datas > 0, let data = buffer.pointee.datas?.pointee,
            let base = data.data, let chunk = data.chunk
        else { return }
        let maxSize = Int(data.maxsize)
        let offset = min(Int(chunk.pointee.offset), maxSize)
        let size = min(Int(chunk.pointee.size), maxSize - offset)
        let frameBytes = MemoryLayout<Float>.size * negotiatedChannels
        let sampleCount = (size / frameBytes) * negotiatedChannels
        guard sampleCount > 0 else { return }
        let source = UnsafeRawPointer(base + offset)
        let samples = [Float](unsafeUninitializedCapacity: sampleCount) { destination, initialized in
            // Copy bytewise: the chunk offset need not keep floats aligned.
            UnsafeMutableRawPointer(destination.baseAddress!).copyMemory(from: source, byteCount: sampleCount * MemoryLayout<Float>.size)
            initialized = sampleCount
        }
        continuation.yield(.frame(CapturedAudioFrame(
            samples: samples, sampleRate: negotiatedRate, channels: negotiatedChannels, timestamp: timestamp)))
    }

    func captureStopped(_ reason: CaptureStopReason) {
        finalReason = reason
        continuation.yield(.stopped(reason))
        continuation.finish()
    }
}
