#ifndef TRTC_SECURE_TRANSPORT_INTERNAL_H
#define TRTC_SECURE_TRANSPORT_INTERNAL_H

#include "secure_transport.h"

#include <openssl/ssl.h>
#include <stdarg.h>

struct cst_certificate {
    X509 *x509;
    EVP_PKEY *key;
    /// Presents the certificate in both roles; SSL objects are made from it concurrently (SSL_CTX is
    /// reference-counted and locked inside OpenSSL) but it is never changed after creation.
    SSL_CTX *context;
    uint8_t fingerprint[32];
};

/// Writes OpenSSL's oldest queued error of this thread (or `fallback`) after `prefix` into `error`, and clears the
/// thread's error queue so that the next call starts clean.
void cst_format_openssl_error(char *error, size_t capacity, const char *prefix);

/// snprintf that tolerates a NULL or empty buffer.
void cst_format(char *error, size_t capacity, const char *format, ...) __attribute__((format(printf, 3, 4)));

#endif
