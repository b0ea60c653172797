#ifndef TRTC_COPUS_SHIM_H
#define TRTC_COPUS_SHIM_H

#include <opus/opus.h>

// opus_encoder_ctl / opus_decoder_ctl are variadic: one shim per request we use.

static inline int trtc_opus_set_bitrate(OpusEncoder *enc, opus_int32 bitsPerSecond) {
    return opus_encoder_ctl(enc, OPUS_SET_BITRATE(bitsPerSecond));
}

static inline int trtc_opus_get_bitrate(OpusEncoder *enc, opus_int32 *bitsPerSecond) {
    return opus_encoder_ctl(enc, OPUS_GET_BITRATE(bitsPerSecond));
}

static inline int trtc_opus_set_inband_fec(OpusEncoder *enc, opus_int32 enabled) {
    return opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(enabled));
}

static inline int trtc_opus_set_dtx(OpusEncoder *enc, opus_int32 enabled) {
    return opus_encoder_ctl(enc, OPUS_SET_DTX(enabled));
}

static inline int trtc_opus_get_in_dtx(OpusEncoder *enc, opus_int32 *inDTX) {
    return opus_encoder_ctl(enc, OPUS_GET_IN_DTX(inDTX));
}

static inline int trtc_opus_set_packet_loss_perc(OpusEncoder *enc, opus_int32 percent) {
    return opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(percent));
}

static inline int trtc_opus_set_complexity(OpusEncoder *enc, opus_int32 complexity) {
    return opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity));
}

static inline int trtc_opus_set_signal_voice(OpusEncoder *enc) {
    return opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
}

static inline int trtc_opus_application_voip(void) { return OPUS_APPLICATION_VOIP; }
static inline int trtc_opus_ok(void) { return OPUS_OK; }

#endif
