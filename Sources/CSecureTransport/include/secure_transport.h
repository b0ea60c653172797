#ifndef TRTC_SECURE_TRANSPORT_H
#define TRTC_SECURE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

// OpenSSL DTLS 1.2 and libsrtp2 behind small `cst_` functions, for TrtcTransport.
//
// No OpenSSL or libsrtp header is included here: Swift imports only these declarations, so OpenSSL's names never
// meet those of swift-nio-ssl's BoringSSL in a Swift module (BoringSSL's C symbols are prefixed, so both link into
// one binary). Each handle has one owner and is not thread-safe, except a certificate, which is immutable after
// creation and may be shared by any number of connections on any threads.

// --- Certificates -----------------------------------------------------------------------------------------------

/// A self-signed ECDSA P-256 certificate, its key, and the DTLS context (SSL_CTX) that presents it.
typedef struct cst_certificate cst_certificate;

/// Generates a key pair and a self-signed certificate valid from one hour ago (clock skew) for `validity_days`.
/// NULL on failure, with a message in `error` (always NUL-terminated when `error_capacity` > 0).
cst_certificate *cst_certificate_generate(unsigned int validity_days, char *error, size_t error_capacity);

void cst_certificate_free(cst_certificate *certificate);

/// SHA-256 of the certificate's DER encoding: what SDP's `a=fingerprint:sha-256` announces.
void cst_certificate_fingerprint_sha256(const cst_certificate *certificate, uint8_t fingerprint[32]);

// --- DTLS -------------------------------------------------------------------------------------------------------

/// One DTLS 1.2 association over memory: datagrams are fed in with `cst_dtls_receive` and taken out, one
/// datagram each (never coalesced, at most CST_DTLS_MTU bytes), with `cst_dtls_pop_outgoing`.
typedef struct cst_dtls cst_dtls;

/// The largest datagram the DTLS layer writes (the UDP payload; fits the IPv6 minimum MTU with headers).
#define CST_DTLS_MTU 1200

typedef enum {
    CST_DTLS_ROLE_CLIENT = 0,
    CST_DTLS_ROLE_SERVER = 1,
} cst_dtls_role;

typedef enum {
    CST_DTLS_HANDSHAKING = 0,
    /// Handshake done, peer certificate matches the announced fingerprint, an SRTP profile was negotiated.
    CST_DTLS_CONNECTED = 1,
    /// Terminal; `cst_dtls_failure` says why.
    CST_DTLS_FAILED = 2,
    /// The peer sent close_notify, or `cst_dtls_shutdown` was called. Terminal.
    CST_DTLS_CLOSED = 3,
} cst_dtls_state;

/// SRTP protection profiles (DTLS-SRTP identifiers, RFC 5764/7714; libsrtp2 numbers them the same way).
typedef enum {
    CST_SRTP_PROFILE_NONE = 0,
    CST_SRTP_PROFILE_AES128_CM_SHA1_80 = 1,
    CST_SRTP_PROFILE_AEAD_AES_128_GCM = 7,
} cst_srtp_profile;

/// A new association presenting `certificate` (its context is retained) that accepts only a peer certificate
/// whose SHA-256 equals `remote_fingerprint`. `srtp_profiles` ("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80",
/// in preference order) narrows the default list, NULL keeps it. Nothing is sent until `cst_dtls_start`
/// (client) or the first datagram (server).
cst_dtls *cst_dtls_new(cst_certificate *certificate, cst_dtls_role role, const uint8_t remote_fingerprint[32],
                       const char *srtp_profiles, char *error, size_t error_capacity);

void cst_dtls_free(cst_dtls *dtls);

/// Client: writes the ClientHello. Server: nothing. Returns the state.
cst_dtls_state cst_dtls_start(cst_dtls *dtls);

/// Processes one received datagram (handshake, retransmitted flights, alerts, close_notify; application data is
/// discarded). Datagrams that are not valid DTLS records are ignored by OpenSSL. Returns the state.
cst_dtls_state cst_dtls_receive(cst_dtls *dtls, const void *datagram, size_t length);

cst_dtls_state cst_dtls_get_state(const cst_dtls *dtls);

/// Why the association failed; "" unless the state is CST_DTLS_FAILED. Valid until the next call on `dtls`.
const char *cst_dtls_failure(const cst_dtls *dtls);

/// Length of the oldest queued outgoing datagram, 0 when none is queued.
size_t cst_dtls_next_outgoing_length(const cst_dtls *dtls);

/// Moves the oldest queued datagram into `buffer`; returns its length, or 0 when none is queued or it does not
/// fit (then it stays queued).
size_t cst_dtls_pop_outgoing(cst_dtls *dtls, void *buffer, size_t capacity);

/// DTLSv1_get_timeout: 1 and the time left on the retransmission timer (OpenSSL's own clock) when it runs, else 0.
int cst_dtls_get_timeout(cst_dtls *dtls, uint64_t *microseconds_left);

/// DTLSv1_handle_timeout: retransmits the last flight when the timer has expired by OpenSSL's clock (a no-op
/// before). Fails the association after too many retransmissions. Returns the state.
cst_dtls_state cst_dtls_handle_timeout(cst_dtls *dtls);

/// Queues close_notify (when connected) and moves to CST_DTLS_CLOSED.
void cst_dtls_shutdown(cst_dtls *dtls);

/// The negotiated profile once connected, else CST_SRTP_PROFILE_NONE.
cst_srtp_profile cst_dtls_srtp_profile(const cst_dtls *dtls);

/// Exports the SRTP master keys (RFC 5764 4.2: "EXTRACTOR-dtls_srtp", laid out client key | server key |
/// client salt | server salt) as key‖salt for this side's sending (`local`) and receiving (`remote`) direction.
/// Both buffers need `cst_srtp_key_salt_length(profile)` bytes. 1 on success, 0 when not connected.
int cst_dtls_export_srtp_keys(cst_dtls *dtls, uint8_t *local_key_salt, uint8_t *remote_key_salt, size_t capacity);

// --- SRTP -------------------------------------------------------------------------------------------------------

/// Master key plus master salt length of a profile (30 for AES-CM, 28 for AES-GCM), 0 for an unknown profile.
size_t cst_srtp_key_salt_length(cst_srtp_profile profile);

/// Bytes srtp protection adds to an RTP packet (authentication tag) and to an RTCP packet (E flag + SRTCP index +
/// tag) for a profile, without MKI.
size_t cst_srtp_rtp_overhead(cst_srtp_profile profile);
size_t cst_srtp_rtcp_overhead(cst_srtp_profile profile);

/// One libsrtp2 session per direction: outbound keyed by `local_key_salt` for any SSRC, inbound keyed by
/// `remote_key_salt` for any SSRC; replay windows of 1024 packets. Outbound allows protecting a sequence number
/// again (retransmissions from the history); inbound rejects replays.
typedef struct cst_srtp cst_srtp;

typedef enum {
    CST_SRTP_OK = 0,
    CST_SRTP_AUTHENTICATION_FAILED = 1,
    CST_SRTP_REPLAYED = 2,
    CST_SRTP_NO_ROOM = 3,
    CST_SRTP_MALFORMED = 4,
    CST_SRTP_FAILED = 5,
} cst_srtp_status;

/// NULL on failure, with libsrtp's error number in `*srtp_error`. Initialises libsrtp once per process.
cst_srtp *cst_srtp_new(cst_srtp_profile profile, const uint8_t *local_key_salt, const uint8_t *remote_key_salt,
                       size_t key_salt_length, int *srtp_error);

void cst_srtp_free(cst_srtp *srtp);

/// In place. `*length` is the packet's length before and after; `capacity` is what the buffer can hold.
cst_srtp_status cst_srtp_protect_rtp(cst_srtp *srtp, void *packet, size_t *length, size_t capacity);
cst_srtp_status cst_srtp_protect_rtcp(cst_srtp *srtp, void *packet, size_t *length, size_t capacity);
cst_srtp_status cst_srtp_unprotect_rtp(cst_srtp *srtp, void *packet, size_t *length);
cst_srtp_status cst_srtp_unprotect_rtcp(cst_srtp *srtp, void *packet, size_t *length);

#endif
