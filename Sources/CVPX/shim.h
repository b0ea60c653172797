#ifndef TRTC_CVPX_SHIM_H
#define TRTC_CVPX_SHIM_H

#include <vpx/vpx_encoder.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

// Swift cannot import function-like macros or the type-checked variadic
// vpx_codec_control, so each init and each control we use gets a small shim.

static inline vpx_codec_err_t trtc_vpx_enc_init(vpx_codec_ctx_t *ctx,
                                                const vpx_codec_enc_cfg_t *cfg) {
    return vpx_codec_enc_init(ctx, vpx_codec_vp8_cx(), cfg, 0);
}

static inline vpx_codec_err_t trtc_vpx_dec_init(vpx_codec_ctx_t *ctx,
                                                const vpx_codec_dec_cfg_t *cfg) {
    return vpx_codec_dec_init(ctx, vpx_codec_vp8_dx(), cfg, 0);
}

static inline vpx_codec_err_t trtc_vpx_set_cpuused(vpx_codec_ctx_t *ctx, int value) {
    return vpx_codec_control(ctx, VP8E_SET_CPUUSED, value);
}

static inline vpx_codec_err_t trtc_vpx_set_static_threshold(vpx_codec_ctx_t *ctx, unsigned int value) {
    return vpx_codec_control(ctx, VP8E_SET_STATIC_THRESHOLD, value);
}

static inline vpx_codec_err_t trtc_vpx_set_noise_sensitivity(vpx_codec_ctx_t *ctx, unsigned int value) {
    return vpx_codec_control(ctx, VP8E_SET_NOISE_SENSITIVITY, value);
}

static inline vpx_codec_err_t trtc_vpx_set_token_partitions(vpx_codec_ctx_t *ctx, int value) {
    return vpx_codec_control(ctx, VP8E_SET_TOKEN_PARTITIONS, value);
}

static inline vpx_codec_err_t trtc_vpx_set_max_intra_bitrate_pct(vpx_codec_ctx_t *ctx, unsigned int value) {
    return vpx_codec_control(ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, value);
}

static inline vpx_codec_err_t trtc_vpx_set_screen_content_mode(vpx_codec_ctx_t *ctx, unsigned int value) {
    return vpx_codec_control(ctx, VP8E_SET_SCREEN_CONTENT_MODE, value);
}

static inline vpx_codec_err_t trtc_vpx_get_last_quantizer(vpx_codec_ctx_t *ctx, int *value) {
    return vpx_codec_control(ctx, VP8E_GET_LAST_QUANTIZER_64, value);
}

// libvpx's internal quantizer index (0-127), the scale of libwebrtc's VP8 QualityScaler thresholds.
static inline vpx_codec_err_t trtc_vpx_get_last_qp(vpx_codec_ctx_t *ctx, int *value) {
    return vpx_codec_control(ctx, VP8E_GET_LAST_QUANTIZER, value);
}

static inline vpx_codec_err_t trtc_vpx_get_frame_corrupted(vpx_codec_ctx_t *ctx, int *value) {
    return vpx_codec_control(ctx, VP8D_GET_FRAME_CORRUPTED, value);
}

static inline vpx_codec_err_t trtc_vpx_set_temporal_layer_id(vpx_codec_ctx_t *ctx, int value) {
    return vpx_codec_control(ctx, VP8E_SET_TEMPORAL_LAYER_ID, value);
}

// Temporal layers: the cfg's fixed-size arrays are awkward from Swift (imported as tuples).
// bitrates: cumulative kbit/s per layer; decimators: per layer; ids: the layer of each frame of the pattern.
static inline void trtc_vpx_set_temporal_layers(vpx_codec_enc_cfg_t *cfg, unsigned int layers,
                                                const unsigned int *bitrates, const unsigned int *decimators,
                                                unsigned int periodicity, const unsigned int *ids) {
    cfg->ts_number_layers = layers;
    for (unsigned int i = 0; i < layers && i < VPX_TS_MAX_LAYERS; i++) {
        cfg->ts_target_bitrate[i] = bitrates[i];
        cfg->ts_rate_decimator[i] = decimators[i];
    }
    cfg->ts_periodicity = periodicity;
    for (unsigned int i = 0; i < periodicity && i < VPX_TS_MAX_PERIODICITY; i++) cfg->ts_layer_id[i] = ids[i];
}

// Per-frame reference and update flags (VP8_EFLAG_*), for temporal layer patterns.
static inline vpx_enc_frame_flags_t trtc_vp8_eflag_no_ref_last(void) { return VP8_EFLAG_NO_REF_LAST; }
static inline vpx_enc_frame_flags_t trtc_vp8_eflag_no_ref_golden(void) { return VP8_EFLAG_NO_REF_GF; }
static inline vpx_enc_frame_flags_t trtc_vp8_eflag_no_ref_altref(void) { return VP8_EFLAG_NO_REF_ARF; }
static inline vpx_enc_frame_flags_t trtc_vp8_eflag_no_update_last(void) { return VP8_EFLAG_NO_UPD_LAST; }
static inline vpx_enc_frame_flags_t trtc_vp8_eflag_no_update_golden(void) { return VP8_EFLAG_NO_UPD_GF; }
static inline vpx_enc_frame_flags_t trtc_vp8_eflag_no_update_altref(void) { return VP8_EFLAG_NO_UPD_ARF; }
static inline vpx_enc_frame_flags_t trtc_vp8_eflag_no_update_entropy(void) { return VP8_EFLAG_NO_UPD_ENTROPY; }

// Named constants whose macro definitions Swift imports poorly or not at all.
static inline unsigned long trtc_vpx_deadline_realtime(void) { return VPX_DL_REALTIME; }
static inline vpx_enc_frame_flags_t trtc_vpx_eflag_force_kf(void) { return VPX_EFLAG_FORCE_KF; }
static inline vpx_codec_frame_flags_t trtc_vpx_frame_is_key(void) { return VPX_FRAME_IS_KEY; }
static inline vpx_codec_frame_flags_t trtc_vpx_frame_is_droppable(void) { return VPX_FRAME_IS_DROPPABLE; }
static inline vpx_codec_er_flags_t trtc_vpx_error_resilient_default(void) { return VPX_ERROR_RESILIENT_DEFAULT; }

#endif
