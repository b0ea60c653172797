/// Why a Tencent Cloud API 3.0 request's signature was rejected. The server maps these to
/// `AuthFailure.SignatureFailure` (missing, malformed, mismatch), `AuthFailure.SecretIdNotFound` and `AuthFailure.SignatureExpire`.
public enum TC3VerificationError: Error, Equatable, Sendable {
    case missingAuthorization
    /// The Authorization header is not a TC3-HMAC-SHA256 header this server can check; the text says what is wrong.
    case malformedAuthorization(String)
    /// The SecretId the header names is unknown.
    case secretIdNotFound(String)
    /// X-TC-Timestamp is more than ``TC3/maximumClockSkew`` seconds away from the server's clock.
    case signatureExpired
    case signatureMismatch
}
