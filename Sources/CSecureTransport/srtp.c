#include "internal.h"

#include <limits.h>
#include <pthread.h>
#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>

struct cst_srtp {
    srtp_t outbound;
    srtp_t inbound;
    size_t rtp_overhead;
    size_t rtcp_overhead;
};

// libsrtp's srtp_init registers its ciphers in process-wide tables: once per process, never undone.
static pthread_once_t srtp_init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t srtp_init_status = srtp_err_status_fail;
static void initialise_srtp(void) { srtp_init_status = srtp_init(); }

size_t cst_srtp_key_salt_length(cst_srtp_profile profile) {
    switch (profile) {
    case CST_SRTP_PROFILE_AES128_CM_SHA1_80: return 16 + 14;
    case CST_SRTP_PROFILE_AEAD_AES_128_GCM: return 16 + 12;
    default: return 0;
    }
}

size_t cst_srtp_rtp_overhead(cst_srtp_profile profile) {
    switch (profile) {
    case CST_SRTP_PROFILE_AES128_CM_SHA1_80: return 10;   // HMAC-SHA1 truncated to 80 bits
    case CST_SRTP_PROFILE_AEAD_AES_128_GCM: return 16;    // GCM tag
    default: return 0;
    }
}

size_t cst_srtp_rtcp_overhead(cst_srtp_profile profile) {
    size_t tag = profile == CST_SRTP_PROFILE_AES128_CM_SHA1_80 ? 10 : profile == CST_SRTP_PROFILE_AEAD_AES_128_GCM ? 16 : 0;
    return tag == 0 ? 0 : tag + 4;  // E flag and 31-bit SRTCP index before the tag
}

static srtp_err_status_t create(srtp_t *session, cst_srtp_profile profile, const uint8_t *key_salt, int outbound) {
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    srtp_err_status_t status = srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, (srtp_profile_t)profile);
    if (status != srtp_err_status_ok) return status;
    status = srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, (srtp_profile_t)profile);
    if (status != srtp_err_status_ok) return status;
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.key = (unsigned char *)key_salt;  // copied by srtp_create
    policy.window_size = 1024;              // tolerate reordering of up to 1024 packets (libsrtp default: 128)
    // The sender protects a retransmitted packet (same sequence number) again; a receiver never accepts a repeat.
    policy.allow_repeat_tx = outbound;
    policy.next = NULL;
    return srtp_create(session, &policy);
}

cst_srtp *cst_srtp_new(cst_srtp_profile profile, const uint8_t *local_key_salt, const uint8_t *remote_key_salt,
                       size_t key_salt_length, int *srtp_error) {
    *srtp_error = 0;
    pthread_once(&srtp_init_once, initialise_srtp);
    if (srtp_init_status != srtp_err_status_ok) {
        *srtp_error = (int)srtp_init_status;
        return NULL;
    }
    if (cst_srtp_key_salt_length(profile) == 0 || key_salt_length != cst_srtp_key_salt_length(profile)) {
        *srtp_error = (int)srtp_err_status_bad_param;
        return NULL;
    }
    cst_srtp *srtp = calloc(1, sizeof *srtp);
    if (srtp == NULL) {
        *srtp_error = (int)srtp_err_status_alloc_fail;
        return NULL;
    }
    srtp_err_status_t status = create(&srtp->outbound, profile, local_key_salt, 1);
    if (status == srtp_err_status_ok) status = create(&srtp->inbound, profile, remote_key_salt, 0);
    if (status != srtp_err_status_ok) {
        *srtp_error = (int)status;
        cst_srtp_free(srtp);
        return NULL;
    }
    srtp->rtp_overhead = cst_srtp_rtp_overhead(profile);
    srtp->rtcp_overhead = cst_srtp_rtcp_overhead(profile);
    return srtp;
}

void cst_srtp_free(cst_srtp *srtp) {
    if (srtp == NULL) return;
    if (srtp->outbound != NULL) srtp_dealloc(srtp->outbound);
    if (srtp->inbound != NULL) srtp_dealloc(srtp->inbound);
    free(srtp);
}

static cst_srtp_status status_of(srtp_err_status_t status) {
    switch (status) {
    case srtp_err_status_ok: return CST_SRTP_OK;
    case srtp_err_status_auth_fail: return CST_SRTP_AUTHENTICATION_FAILED;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old: return CST_SRTP_REPLAYED;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err: return CST_SRTP_MALFORMED;
    default: return CST_SRTP_FAILED;
    }
}

// libsrtp takes an int length and trusts the buffer to hold the trailer: both checked here.
static cst_srtp_status protect(cst_srtp *srtp, void *packet, size_t *length, size_t capacity, int rtcp) {
    size_t overhead = rtcp ? srtp->rtcp_overhead : srtp->rtp_overhead;
    size_t minimum = rtcp ? 8 : 12;
    if (*length < minimum) return CST_SRTP_MALFORMED;
    if (*length > INT_MAX - 256 || capacity < *length + overhead) return CST_SRTP_NO_ROOM;
    int octets = (int)*length;
    srtp_err_status_t status = rtcp ? srtp_protect_rtcp(srtp->outbound, packet, &octets)
                                    : srtp_protect(srtp->outbound, packet, &octets);
    if (status == srtp_err_status_ok) *length = (size_t)octets;
    return status_of(status);
}

static cst_srtp_status unprotect(cst_srtp *srtp, void *packet, size_t *length, int rtcp) {
    size_t minimum = rtcp ? 8 + srtp->rtcp_overhead : 12 + srtp->rtp_overhead;
    if (*length < minimum) return CST_SRTP_MALFORMED;
    if (*length > INT_MAX) return CST_SRTP_MALFORMED;
    int octets = (int)*length;
    srtp_err_status_t status = rtcp ? srtp_unprotect_rtcp(srtp->inbound, packet, &octets)
                                    : srtp_unprotect(srtp->inbound, packet, &octets);
    if (status == srtp_err_status_ok) *length = (size_t)octets;
    return status_of(status);
}

cst_srtp_status cst_srtp_protect_rtp(cst_srtp *srtp, void *packet, size_t *length, size_t capacity) {
    return protect(srtp, packet, length, capacity, 0);
}

cst_srtp_status cst_srtp_protect_rtcp(cst_srtp *srtp, void *packet, size_t *length, size_t capacity) {
    return protect(srtp, packet, length, capacity, 1);
}

cst_srtp_status cst_srtp_unprotect_rtp(cst_srtp *srtp, void *packet, size_t *length) {
    return unprotect(srtp, packet, length, 0);
}

cst_srtp_status cst_srtp_unprotect_rtcp(cst_srtp *srtp, void *packet, size_t *length) {
    return unprotect(srtp, packet, length, 1);
}
