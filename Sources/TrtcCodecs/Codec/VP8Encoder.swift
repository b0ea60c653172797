import CVPX

/// A realtime VP8 encoder (libvpx). Not thread-safe: one owner (thread or actor) per encoder.
public final class VP8Encoder {
    public private(set) var configuration: VP8EncoderConfiguration
    public private(set) var statistics = VP8EncoderStatistics()

    private let context: UnsafeMutablePointer<vpx_codec_ctx_t>
    private var vpxConfig = vpx_codec_enc_cfg_t()
    private var isOpen = false
    /// Encoder-internal presentation time in 90 kHz ticks (libvpx rate control wants steady steps).
    private var nextPTS: Int64 = 0
    private var keyframeRequested = false
    /// Temporal layers (`configuration.temporalLayers`), and the next frame's place in their pattern.
    private let pattern: VP8TemporalPattern
    private var patternIndex = 0

    public init(configuration: VP8EncoderConfiguration) throws(CodecError) {
        try configuration.validate()
        self.configuration = configuration
        pattern = VP8TemporalPattern(layers: configuration.temporalLayers, baseShare: configuration.baseLayerShare)
        context = .allocate(capacity: 1)
        context.initialize(to: vpx_codec_ctx_t())
        do {
            try open()
        } catch {
            context.deallocate()
            throw error
        }
    }

    deinit {
        if isOpen { vpx_codec_destroy(context) }
        context.deallocate()
    }

    /// The next encoded frame will be a key frame (e.g. after a PLI from a receiver).
    public func requestKeyframe() {
        keyframeRequested = true
    }

    /// Changes the target bitrate without restarting the encoder.
    public func setBitrate(kbps: Int) throws(CodecError) {
        var updated = configuration
        updated.bitrateKbps = kbps
        try updated.validate()
        vpxConfig.rc_target_bitrate = UInt32(kbps)
        setLayerBitrates(kbps)
        try check(vpx_codec_enc_config_set(context, &vpxConfig), "enc_config_set")
        configuration = updated
    }

    /// Encodes one picture. Returns nothing when rate control drops the frame, else one frame.
    /// A picture of a different size restarts the encoder at that size (the next frame is a key frame).
    public func encode(_ frame: I420Frame, forceKeyframe: Bool = false) throws(CodecError) -> [EncodedVideoFrame] {
        if frame.width != configuration.width || frame.height != configuration.height {
            try restart(width: frame.width, height: frame.height)
        }
        var flags: vpx_enc_frame_flags_t = 0
        let forcing = forceKeyframe || keyframeRequested
        if forcing {
            flags |= trtc_vpx_eflag_force_kf()
            patternIndex = 0
        }
        let layerFrame = pattern.frame(at: patternIndex)
        if pattern.layerCount > 1 {
            flags |= Self.flags(for: layerFrame)
            try check(trtc_vpx_set_temporal_layer_id(context, Int32(layerFrame.layer)), "control TEMPORAL_LAYER_ID")
        }
        patternIndex += 1
        let duration = UInt(90_000 / configuration.framesPerSecond)
        let started = ContinuousClock.now

        var image = vpx_image_t()
        let status = frame.y.withUnsafeBufferPointer { yPlane in
            frame.u.withUnsafeBufferPointer { uPlane in
                frame.v.withUnsafeBufferPointer { vPlane -> vpx_codec_err_t in
                    // libvpx only reads the planes; its struct just isn't const-qualified.
                    let y = UnsafeMutablePointer(mutating: yPlane.baseAddress!)
                    guard vpx_img_wrap(&image, VPX_IMG_FMT_I420, UInt32(frame.width), UInt32(frame.height), 1, y) != nil else {
                        return VPX_CODEC_INVALID_PARAM
                    }
                    image.planes.0 = y
                    image.planes.1 = UnsafeMutablePointer(mutating: uPlane.baseAddress!)
                    image.planes.2 = UnsafeMutablePointer(mutating: vPlane.baseAddress!)
                    image.stride.0 = Int32(frame.strideY)
                    image.stride.1 = Int32(frame.strideU)
                    image.stride.2 = Int32(frame.strideV)
                    return vpx_codec_encode(context, &image, nextPTS, duration, flags, trtc_vpx_deadline_realtime())
                }
            }
        }
        try check(status, "encode")
        nextPTS += Int64(duration)
        if forcing { keyframeRequested = false }

        var output: [EncodedVideoFrame] = []
        var iterator: vpx_codec_iter_t? = nil
        while let packet = vpx_codec_get_cx_data(context, &iterator) {
            guard packet.pointee.kind == VPX_CODEC_CX_FRAME_PKT else { continue }
            let compressed = packet.pointee.data.frame
            let bytes = [UInt8](UnsafeRawBufferPointer(start: compressed.buf, count: compressed.sz))
            let isKeyframe = compressed.flags & trtc_vpx_frame_is_key() != 0
            // A key frame libvpx chose itself restarts the pattern too.
            if isKeyframe { patternIndex = 1 }
            output.append(EncodedVideoFrame(
                data: bytes,
                isKeyframe: isKeyframe,
                isDroppable: compressed.flags & trtc_vpx_frame_is_droppable() != 0,
                timestamp: frame.timestamp, width: frame.width, height: frame.height,
                temporalLayer: pattern.layerCount > 1 ? (isKeyframe ? 0 : layerFrame.layer) : nil,
                isLayerSync: pattern.layerCount > 1 && !isKeyframe && layerFrame.isLayerSync))
        }

        let elapsed = ContinuousClock.now - started
        statistics.framesSubmitted += 1
        statistics.lastEncodeDuration = elapsed
        statistics.totalEncodeDuration += elapsed
        for encoded in output {
            statistics.framesEncoded += 1
            statistics.bytesEncoded += encoded.data.count
            if encoded.isKeyframe { statistics.keyframesEncoded += 1 }
        }
        if !output.isEmpty {
            var quantizer: Int32 = 0
            if trtc_vpx_get_last_quantizer(context, &quantizer) == VPX_CODEC_OK { statistics.lastQuantizer = Int(quantizer) }
            if trtc_vpx_get_last_qp(context, &quantizer) == VPX_CODEC_OK { statistics.lastQP = Int(quantizer) }
        }
        return output
    }

    private func restart(width: Int, height: Int) throws(CodecError) {
        var updated = configuration
        updated.width = width
        updated.height = height
        try updated.validate()
        if isOpen {
            vpx_codec_destroy(context)
            isOpen = false
        }
        configuration = updated
        try open()
    }

    private func open() throws(CodecError) {
        let settings = configuration
        try check(vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &vpxConfig, 0), "enc_config_default")
        vpxConfig.g_w = UInt32(settings.width)
        vpxConfig.g_h = UInt32(settings.height)
        vpxConfig.g_timebase = vpx_rational(num: 1, den: 90_000)
        vpxConfig.g_lag_in_frames = 0
        vpxConfig.g_pass = VPX_RC_ONE_PASS
        vpxConfig.g_error_resilient = settings.errorResilient ? trtc_vpx_error_resilient_default() : 0
        vpxConfig.g_threads = UInt32(settings.effectiveThreads(cores: Self.processorCount))
        vpxConfig.rc_end_usage = VPX_CBR
        vpxConfig.rc_target_bitrate = UInt32(settings.bitrateKbps)
        vpxConfig.rc_dropframe_thresh = settings.frameDropping ? 30 : 0
        vpxConfig.rc_resize_allowed = 0
        vpxConfig.rc_min_quantizer = UInt32(settings.minQuantizer)
        vpxConfig.rc_max_quantizer = UInt32(settings.maxQuantizer)
        vpxConfig.rc_undershoot_pct = 100
        vpxConfig.rc_overshoot_pct = 15
        vpxConfig.rc_buf_initial_sz = 500
        vpxConfig.rc_buf_optimal_sz = 600
        vpxConfig.rc_buf_sz = 1000
        vpxConfig.kf_mode = VPX_KF_AUTO
        vpxConfig.kf_min_dist = 0
        vpxConfig.kf_max_dist = UInt32(settings.keyframeInterval)
        if pattern.layerCount > 1 {
            let ids = pattern.frames.map { UInt32($0.layer) }
            let decimators = pattern.rateDecimators.map { UInt32($0) }
            let bitrates = layerBitrates(settings.bitrateKbps)
            trtc_vpx_set_temporal_layers(&vpxConfig, UInt32(pattern.layerCount), bitrates, decimators, UInt32(ids.count), ids)
        }

        LibvpxZeroFill.install()
        try check(trtc_vpx_enc_init(context, &vpxConfig), "enc_init")
        isOpen = true
        try check(trtc_vpx_set_cpuused(context, Int32(settings.effectiveCPUUsed)), "control CPUUSED")
        try check(trtc_vpx_set_static_threshold(context, settings.screenContent ? 100 : 1), "control STATIC_THRESHOLD")
        // Adaptive denoiser (4) as libwebrtc uses on desktops, when enabled at all.
        try check(trtc_vpx_set_noise_sensitivity(context, settings.denoising ? 4 : 0), "control NOISE_SENSITIVITY")
        try check(trtc_vpx_set_token_partitions(context, Int32(VP8_ONE_TOKENPARTITION.rawValue)), "control TOKEN_PARTITIONS")
        try check(trtc_vpx_set_max_intra_bitrate_pct(context, settings.maxIntraBitratePercent), "control MAX_INTRA_BITRATE_PCT")
        try check(trtc_vpx_set_screen_content_mode(context, settings.screenContent ? 2 : 0), "control SCREEN_CONTENT_MODE")
        nextPTS = 0
        patternIndex = 0
    }

    private func layerBitrates(_ kbps: Int) -> [UInt32] {
        pattern.cumulativeShares.map { UInt32(max(Double(kbps) * $0, 1).rounded()) }
    }

    private func setLayerBitrates(_ kbps: Int) {
        guard pattern.layerCount > 1 else { return }
        let ids = pattern.frames.map { UInt32($0.layer) }
        let decimators = pattern.rateDecimators.map { UInt32($0) }
        trtc_vpx_set_temporal_layers(&vpxConfig, UInt32(pattern.layerCount), layerBitrates(kbps), decimators, UInt32(ids.count), ids)
    }

    /// libvpx's per-frame flags for a frame of the pattern: what it must not reference or update.
    private static func flags(for frame: VP8TemporalPattern.Frame) -> vpx_enc_frame_flags_t {
        var flags = trtc_vp8_eflag_no_ref_altref() | trtc_vp8_eflag_no_update_altref()
        if !frame.referencesLast { flags |= trtc_vp8_eflag_no_ref_last() }
        if !frame.referencesGolden { flags |= trtc_vp8_eflag_no_ref_golden() }
        if !frame.updatesLast { flags |= trtc_vp8_eflag_no_update_last() }
        if !frame.updatesGolden { flags |= trtc_vp8_eflag_no_update_golden() }
        // Frames above layer 0 leave the probability tables alone: a receiver without them decodes layer 0 the same.
        if frame.layer > 0 { flags |= trtc_vp8_eflag_no_update_entropy() }
        return flags
    }

    private func check(_ status: vpx_codec_err_t, _ operation: String) throws(CodecError) {
        guard status != VPX_CODEC_OK else { return }
        var message = String(cString: vpx_codec_err_to_string(status))
        if isOpen, let detail = vpx_codec_error_detail(context) { message += ": " + String(cString: detail) }
        throw .vpx(operation: operation, code: Int32(status.rawValue), message: message)
    }

    private static var processorCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

#if canImport(Glibc)
import Glibc
#endif
