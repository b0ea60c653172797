#include "internal.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cst_format(char *error, size_t capacity, const char *format, ...) {
    if (error == NULL || capacity == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error, capacity, format, arguments);
    va_end(arguments);
}

void cst_format_openssl_error(char *error, size_t capacity, const char *prefix) {
    unsigned long code = ERR_get_error();
    char reason[256] = "no OpenSSL error recorded";
    if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
    ERR_clear_error();
    cst_format(error, capacity, "%s: %s", prefix, reason);
}

// AEAD suites with ephemeral ECDH only; ECDSA for our own certificates, RSA for peers that present one.
static const char cipher_list[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

// GCM first (cheaper, no separate HMAC); AES-CM with HMAC-SHA1-80 for peers without it. A server picks by its own order.
static const char srtp_profiles[] = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

// Chains are not verified: a peer's certificate is accepted by its fingerprint alone (RFC 8122/8827), which the
// callback installed per connection checks. This one only lets the self-signed certificate through to it.
static int accept_any_certificate(int preverify_ok, X509_STORE_CTX *store) {
    (void)preverify_ok;
    (void)store;
    return 1;
}

static SSL_CTX *make_context(X509 *x509, EVP_PKEY *key, char *error, size_t capacity) {
    SSL_CTX *context = SSL_CTX_new(DTLS_method());
    if (context == NULL) {
        cst_format_openssl_error(error, capacity, "SSL_CTX_new");
        return NULL;
    }
    const char *step = NULL;
    if (!SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION)) step = "DTLS 1.2 minimum";
    else if (!SSL_CTX_use_certificate(context, x509)) step = "certificate";
    else if (!SSL_CTX_use_PrivateKey(context, key)) step = "private key";
    else if (!SSL_CTX_check_private_key(context)) step = "key check";
    else if (!SSL_CTX_set_cipher_list(context, cipher_list)) step = "cipher list";
    else if (!SSL_CTX_set1_groups_list(context, "X25519:P-256")) step = "groups";
    // Returns 0 on success, unlike its neighbours.
    else if (SSL_CTX_set_tlsext_use_srtp(context, srtp_profiles) != 0) step = "SRTP profiles";
    if (step != NULL) {
        cst_format_openssl_error(error, capacity, step);
        SSL_CTX_free(context);
        return NULL;
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_certificate);
    // Every association is new: no session cache or tickets, so the context holds no state that changes.
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(context, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_read_ahead(context, 1);
    return context;
}

cst_certificate *cst_certificate_generate(unsigned int validity_days, char *error, size_t error_capacity) {
    cst_format(error, error_capacity, "%s", "");
    ERR_clear_error();
    cst_certificate *certificate = calloc(1, sizeof *certificate);
    if (certificate == NULL) {
        cst_format(error, error_capacity, "out of memory");
        return NULL;
    }
    const char *step = NULL;
    certificate->key = EVP_EC_gen("P-256");
    certificate->x509 = X509_new();
    X509_NAME *name = X509_NAME_new();
    uint8_t serial_bytes[8];
    BIGNUM *serial = NULL;
    if (certificate->key == NULL) step = "P-256 key generation";
    else if (certificate->x509 == NULL || name == NULL) step = "X509_new";
    else if (!X509_set_version(certificate->x509, X509_VERSION_3)) step = "certificate version";
    else if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) step = "serial number";
    else if ((serial_bytes[0] &= 0x7f, serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, NULL)) == NULL) step = "serial number";
    else if (BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate->x509)) == NULL) step = "serial number";
    else if (!X509_gmtime_adj(X509_getm_notBefore(certificate->x509), -3600)) step = "notBefore";
    else if (!X509_gmtime_adj(X509_getm_notAfter(certificate->x509), (long)validity_days * 86400L)) step = "notAfter";
    else if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"trtc", -1, -1, 0)) step = "subject";
    else if (!X509_set_subject_name(certificate->x509, name) || !X509_set_issuer_name(certificate->x509, name)) step = "subject";
    else if (!X509_set_pubkey(certificate->x509, certificate->key)) step = "public key";
    else if (X509_sign(certificate->x509, certificate->key, EVP_sha256()) == 0) step = "signature";
    BN_free(serial);
    X509_NAME_free(name);
    unsigned int digest_length = 0;
    if (step == NULL && (!X509_digest(certificate->x509, EVP_sha256(), certificate->fingerprint, &digest_length) ||
                         digest_length != sizeof certificate->fingerprint)) {
        step = "fingerprint";
    }
    if (step == NULL) {
        certificate->context = make_context(certificate->x509, certificate->key, error, error_capacity);
        if (certificate->context == NULL) {
            cst_certificate_free(certificate);
            return NULL;
        }
        return certificate;
    }
    cst_format_openssl_error(error, error_capacity, step);
    cst_certificate_free(certificate);
    return NULL;
}

void cst_certificate_free(cst_certificate *certificate) {
    if (certificate == NULL) return;
    SSL_CTX_free(certificate->context);
    X509_free(certificate->x509);
    EVP_PKEY_free(certificate->key);
    free(certificate);
}

void cst_certificate_fingerprint_sha256(const cst_certificate *certificate, uint8_t fingerprint[32]) {
    memcpy(fingerprint, certificate->fingerprint, sizeof certificate->fingerprint);
}
