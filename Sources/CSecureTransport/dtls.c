#include "internal.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// One queued outgoing datagram.
typedef struct cst_datagram {
    struct cst_datagram *next;
    size_t length;
    uint8_t bytes[];
} cst_datagram;

struct cst_dtls {
    SSL *ssl;
    cst_dtls_role role;
    cst_dtls_state state;
    uint8_t remote_fingerprint[32];
    /// Set by the verify callback when the peer's certificate is not the announced one.
    int fingerprint_mismatch;
    uint8_t presented_fingerprint[32];
    cst_datagram *outgoing_head;
    cst_datagram *outgoing_tail;
    char failure[320];
};

// --- The write BIO: one queued datagram per BIO_write --------------------------------------------------------------
// A memory BIO would concatenate the datagrams of a flight (OpenSSL 3.0 has no datagram memory BIO), and a flight
// sent as one UDP datagram can exceed the path MTU. OpenSSL writes each DTLS datagram with one BIO_write.

static BIO_METHOD *queue_method;
static pthread_once_t queue_method_once = PTHREAD_ONCE_INIT;

static int queue_write(BIO *bio, const char *data, int length) {
    cst_dtls *dtls = BIO_get_data(bio);
    if (dtls == NULL || length < 0) return -1;
    cst_datagram *datagram = malloc(sizeof *datagram + (size_t)length);
    if (datagram == NULL) return -1;
    datagram->next = NULL;
    datagram->length = (size_t)length;
    memcpy(datagram->bytes, data, (size_t)length);
    if (dtls->outgoing_tail != NULL) dtls->outgoing_tail->next = datagram;
    else dtls->outgoing_head = datagram;
    dtls->outgoing_tail = datagram;
    return length;
}

static long queue_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)bio;
    (void)number;
    (void)pointer;
    switch (command) {
    case BIO_CTRL_FLUSH: return 1;            // written already
    case BIO_CTRL_WPENDING: return 0;         // nothing buffered inside the BIO
    case BIO_CTRL_PENDING: return 0;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: return 0;  // the link MTU is the UDP payload: no IP/UDP headers here
    default: return 0;                        // peer address, timeouts, MTU queries: not ours to answer
    }
}

static int queue_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

static void make_queue_method(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "trtc datagram queue");
    if (method == NULL) return;
    BIO_meth_set_write(method, queue_write);
    BIO_meth_set_ctrl(method, queue_ctrl);
    BIO_meth_set_create(method, queue_create);
    queue_method = method;  // process-wide and immutable once made, like OpenSSL's own methods
}

// --- Retransmission timer --------------------------------------------------------------------------------------
// OpenSSL 3.0 starts at 1 s; a lost ClientHello on a LAN should not cost a second. 100 ms, doubling, at most 4 s;
// OpenSSL gives up after 12 expiries, about 30 s.
static unsigned int next_timer(SSL *ssl, unsigned int previous_us) {
    (void)ssl;
    if (previous_us == 0) return 100000;
    if (previous_us >= 2000000) return 4000000;
    return previous_us * 2;
}

// --- Peer certificate: by fingerprint only -----------------------------------------------------------------------

static void hex_fingerprint(const uint8_t fingerprint[32], char text[96]) {
    for (int i = 0; i < 32; i++) snprintf(text + 3 * i, 4, i == 31 ? "%02X" : "%02X:", fingerprint[i]);
}

static int fingerprint_of(X509 *certificate, uint8_t fingerprint[32]) {
    unsigned int length = 0;
    return X509_digest(certificate, EVP_sha256(), fingerprint, &length) == 1 && length == 32;
}

// Called per certificate of the peer's chain; only the leaf (depth 0) matters, and only its digest. A mismatch
// fails the handshake here, so the peer gets a bad_certificate alert instead of a silent success.
static int verify_fingerprint(int preverify_ok, X509_STORE_CTX *store) {
    (void)preverify_ok;
    if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    cst_dtls *dtls = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
    X509 *certificate = X509_STORE_CTX_get_current_cert(store);
    if (dtls == NULL || certificate == NULL) return 0;
    uint8_t fingerprint[32];
    if (fingerprint_of(certificate, fingerprint) && memcmp(fingerprint, dtls->remote_fingerprint, 32) == 0) {
        X509_STORE_CTX_set_error(store, X509_V_OK);
        return 1;
    }
    dtls->fingerprint_mismatch = 1;
    memcpy(dtls->presented_fingerprint, fingerprint, 32);
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
}

static void fail(cst_dtls *dtls, const char *format, const char *detail) {
    dtls->state = CST_DTLS_FAILED;
    snprintf(dtls->failure, sizeof dtls->failure, format, detail);
}

static void fail_mismatch(cst_dtls *dtls) {
    char presented[96], announced[96];
    hex_fingerprint(dtls->presented_fingerprint, presented);
    hex_fingerprint(dtls->remote_fingerprint, announced);
    dtls->state = CST_DTLS_FAILED;
    snprintf(dtls->failure, sizeof dtls->failure,
             "peer certificate fingerprint sha-256 %s is not the announced sha-256 %s", presented, announced);
}

// After the handshake: the verify callback ran (a certificate was required), but check again what was presented,
// and that an SRTP profile was agreed (a peer may leave use_srtp out).
static void finish_handshake(cst_dtls *dtls) {
    X509 *peer = SSL_get0_peer_certificate(dtls->ssl);
    uint8_t fingerprint[32];
    if (peer == NULL) {
        fail(dtls, "%s", "peer presented no certificate");
    } else if (!fingerprint_of(peer, fingerprint)) {
        fail(dtls, "%s", "cannot digest the peer certificate");
    } else if (memcmp(fingerprint, dtls->remote_fingerprint, 32) != 0) {
        memcpy(dtls->presented_fingerprint, fingerprint, 32);
        fail_mismatch(dtls);
    } else if (SSL_get_selected_srtp_profile(dtls->ssl) == NULL) {
        fail(dtls, "%s", "no SRTP protection profile negotiated (use_srtp)");
    } else if (cst_dtls_srtp_profile(dtls) == CST_SRTP_PROFILE_NONE) {
        fail(dtls, "%s", "unsupported SRTP protection profile negotiated");
    } else {
        dtls->state = CST_DTLS_CONNECTED;
    }
}

// Interprets the outcome of an SSL call that returned `result`.
static void settle(cst_dtls *dtls, int result) {
    int error = SSL_get_error(dtls->ssl, result);
    switch (error) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        ERR_clear_error();
        return;
    case SSL_ERROR_ZERO_RETURN:
        dtls->state = CST_DTLS_CLOSED;
        ERR_clear_error();
        return;
    default:
        if (dtls->fingerprint_mismatch) {
            fail_mismatch(dtls);
            ERR_clear_error();
        } else {
            unsigned long code = ERR_get_error();
            char reason[256] = "connection error";
            if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
            else if (error == SSL_ERROR_SYSCALL) snprintf(reason, sizeof reason, "%s", "handshake timed out or transport error");
            ERR_clear_error();
            if (code != 0 && ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE) {
                // The usual cause: the peer was told another fingerprint for us (a stale or mixed-up signaling value).
                fail(dtls, "DTLS handshake failed: the peer refused our certificate (bad_certificate alert; does it "
                           "have our current fingerprint?): %s", reason);
            } else {
                fail(dtls, "DTLS handshake failed: %s", reason);
            }
        }
    }
}

static void advance_handshake(cst_dtls *dtls) {
    ERR_clear_error();
    int result = SSL_do_handshake(dtls->ssl);
    if (result == 1) finish_handshake(dtls);
    else settle(dtls, result);
}

cst_dtls *cst_dtls_new(cst_certificate *certificate, cst_dtls_role role, const uint8_t remote_fingerprint[32],
                       const char *srtp_profiles, char *error, size_t error_capacity) {
    cst_format(error, error_capacity, "%s", "");
    pthread_once(&queue_method_once, make_queue_method);
    if (queue_method == NULL) {
        cst_format(error, error_capacity, "cannot create the datagram BIO method");
        return NULL;
    }
    ERR_clear_error();
    cst_dtls *dtls = calloc(1, sizeof *dtls);
    if (dtls == NULL) {
        cst_format(error, error_capacity, "out of memory");
        return NULL;
    }
    dtls->role = role;
    dtls->state = CST_DTLS_HANDSHAKING;
    memcpy(dtls->remote_fingerprint, remote_fingerprint, 32);
    dtls->ssl = SSL_new(certificate->context);
    BIO *incoming = BIO_new(BIO_s_mem());
    BIO *outgoing = BIO_new(queue_method);
    if (dtls->ssl == NULL || incoming == NULL || outgoing == NULL) {
        cst_format_openssl_error(error, error_capacity, "SSL_new");
        BIO_free(incoming);
        BIO_free(outgoing);
        cst_dtls_free(dtls);
        return NULL;
    }
    // Returns 0 on success, unlike its neighbours.
    if (srtp_profiles != NULL && SSL_set_tlsext_use_srtp(dtls->ssl, srtp_profiles) != 0) {
        cst_format_openssl_error(error, error_capacity, "SRTP profiles");
        BIO_free(incoming);
        BIO_free(outgoing);
        cst_dtls_free(dtls);
        return NULL;
    }
    // An empty memory BIO means "no datagram yet" (retry), not end of file.
    BIO_set_mem_eof_return(incoming, -1);
    BIO_set_data(outgoing, dtls);
    SSL_set_bio(dtls->ssl, incoming, outgoing);  // the SSL owns both BIOs from here
    SSL_set_app_data(dtls->ssl, dtls);
    SSL_set_verify(dtls->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_fingerprint);
    SSL_set_options(dtls->ssl, SSL_OP_NO_QUERY_MTU);
    SSL_set_mtu(dtls->ssl, CST_DTLS_MTU);
    DTLS_set_link_mtu(dtls->ssl, CST_DTLS_MTU);
    DTLS_set_timer_cb(dtls->ssl, next_timer);
    if (role == CST_DTLS_ROLE_CLIENT) SSL_set_connect_state(dtls->ssl);
    else SSL_set_accept_state(dtls->ssl);
    return dtls;
}

void cst_dtls_free(cst_dtls *dtls) {
    if (dtls == NULL) return;
    SSL_free(dtls->ssl);
    for (cst_datagram *datagram = dtls->outgoing_head; datagram != NULL;) {
        cst_datagram *next = datagram->next;
        free(datagram);
        datagram = next;
    }
    free(dtls);
}

cst_dtls_state cst_dtls_start(cst_dtls *dtls) {
    if (dtls->state == CST_DTLS_HANDSHAKING && dtls->role == CST_DTLS_ROLE_CLIENT) advance_handshake(dtls);
    return dtls->state;
}

cst_dtls_state cst_dtls_receive(cst_dtls *dtls, const void *datagram, size_t length) {
    if (dtls->state == CST_DTLS_FAILED || dtls->state == CST_DTLS_CLOSED) return dtls->state;
    if (length == 0 || length > 65535) return dtls->state;
    BIO *incoming = SSL_get_rbio(dtls->ssl);
    (void)BIO_reset(incoming);  // one datagram at a time: nothing of an earlier one may prefix this one
    if (BIO_write(incoming, datagram, (int)length) != (int)length) return dtls->state;
    if (dtls->state == CST_DTLS_HANDSHAKING) {
        advance_handshake(dtls);
    } else {
        // Connected: OpenSSL answers a retransmitted final flight of the peer by itself; application data (no data
        // channels here) is read and dropped; close_notify ends the association.
        uint8_t discard[2048];
        for (;;) {
            ERR_clear_error();
            int result = SSL_read(dtls->ssl, discard, sizeof discard);
            if (result > 0) continue;
            settle(dtls, result);
            break;
        }
    }
    (void)BIO_reset(incoming);
    return dtls->state;
}

cst_dtls_state cst_dtls_get_state(const cst_dtls *dtls) { return dtls->state; }

const char *cst_dtls_failure(const cst_dtls *dtls) { return dtls->state == CST_DTLS_FAILED ? dtls->failure : ""; }

size_t cst_dtls_next_outgoing_length(const cst_dtls *dtls) {
    return dtls->outgoing_head != NULL ? dtls->outgoing_head->length : 0;
}

size_t cst_dtls_pop_outgoing(cst_dtls *dtls, void *buffer, size_t capacity) {
    cst_datagram *datagram = dtls->outgoing_head;
    if (datagram == NULL || datagram->length > capacity) return 0;
    size_t length = datagram->length;
    memcpy(buffer, datagram->bytes, length);
    dtls->outgoing_head = datagram->next;
    if (dtls->outgoing_head == NULL) dtls->outgoing_tail = NULL;
    free(datagram);
    return length;
}

int cst_dtls_get_timeout(cst_dtls *dtls, uint64_t *microseconds_left) {
    struct timeval left = {0, 0};
    if (dtls->state != CST_DTLS_HANDSHAKING && dtls->state != CST_DTLS_CONNECTED) return 0;
    if (DTLSv1_get_timeout(dtls->ssl, &left) != 1) return 0;
    *microseconds_left = (uint64_t)left.tv_sec * 1000000u + (uint64_t)left.tv_usec;
    return 1;
}

cst_dtls_state cst_dtls_handle_timeout(cst_dtls *dtls) {
    if (dtls->state != CST_DTLS_HANDSHAKING && dtls->state != CST_DTLS_CONNECTED) return dtls->state;
    ERR_clear_error();
    int result = (int)DTLSv1_handle_timeout(dtls->ssl);
    if (result < 0) {
        // Too many retransmissions: OpenSSL has given up on the peer.
        ERR_clear_error();
        fail(dtls, "DTLS handshake failed: %s", "no answer from the peer after repeated retransmissions");
    }
    return dtls->state;
}

void cst_dtls_shutdown(cst_dtls *dtls) {
    if (dtls->state == CST_DTLS_CONNECTED) {
        ERR_clear_error();
        (void)SSL_shutdown(dtls->ssl);
        ERR_clear_error();
    }
    if (dtls->state != CST_DTLS_FAILED) dtls->state = CST_DTLS_CLOSED;
}

cst_srtp_profile cst_dtls_srtp_profile(const cst_dtls *dtls) {
    SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile(dtls->ssl);
    if (profile == NULL) return CST_SRTP_PROFILE_NONE;
    switch (profile->id) {
    case SRTP_AES128_CM_SHA1_80: return CST_SRTP_PROFILE_AES128_CM_SHA1_80;
    case SRTP_AEAD_AES_128_GCM: return CST_SRTP_PROFILE_AEAD_AES_128_GCM;
    default: return CST_SRTP_PROFILE_NONE;
    }
}

int cst_dtls_export_srtp_keys(cst_dtls *dtls, uint8_t *local_key_salt, uint8_t *remote_key_salt, size_t capacity) {
    if (dtls->state != CST_DTLS_CONNECTED) return 0;
    cst_srtp_profile profile = cst_dtls_srtp_profile(dtls);
    size_t key_salt = cst_srtp_key_salt_length(profile);
    size_t salt = profile == CST_SRTP_PROFILE_AEAD_AES_128_GCM ? 12 : 14;
    size_t key = key_salt - salt;
    if (key_salt == 0 || capacity < key_salt) return 0;
    uint8_t material[2 * 32];
    static const char label[] = "EXTRACTOR-dtls_srtp";
    ERR_clear_error();
    if (SSL_export_keying_material(dtls->ssl, material, 2 * key_salt, label, sizeof label - 1, NULL, 0, 0) != 1) {
        ERR_clear_error();
        return 0;
    }
    // client key | server key | client salt | server salt
    const uint8_t *client_key = material, *server_key = material + key;
    const uint8_t *client_salt = material + 2 * key, *server_salt = material + 2 * key + salt;
    int client = dtls->role == CST_DTLS_ROLE_CLIENT;
    memcpy(local_key_salt, client ? client_key : server_key, key);
    memcpy(local_key_salt + key, client ? client_salt : server_salt, salt);
    memcpy(remote_key_salt, client ? server_key : client_key, key);
    memcpy(remote_key_salt + key, client ? server_salt : client_salt, salt);
    OPENSSL_cleanse(material, sizeof material);
    return 1;
}
