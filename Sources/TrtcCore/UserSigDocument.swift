/// The JSON document inside a TLSSigAPIv2 UserSig (after base64 and zlib are undone).
public struct UserSigDocument: Sendable, Equatable {
    /// `TLS.ver`; always "2.0" for documents ``UserSig/decode(_:)`` accepts.
    public var version: String
    /// `TLS.identifier`: the userId the sig was made for.
    public var identifier: String
    /// `TLS.sdkappid`.
    public var sdkAppId: Int64
    /// `TLS.time`: issue time, unix seconds.
    public var time: Int64
    /// `TLS.expire`: validity in seconds from `time`.
    public var expire: Int64
    /// `TLS.userbuf`, base64, when the sig carries one (it is then part of the signed content).
    public var userBuf: String?
    /// `TLS.sig`: standard base64 of HMAC-SHA256 over ``signedContent``.
    public var signature: String

    public init(version: String = "2.0", identifier: String, sdkAppId: Int64, time: Int64, expire: Int64,
                userBuf: String? = nil, signature: String) {
        self.version = version
        self.identifier = identifier
        self.sdkAppId = sdkAppId
        self.time = time
        self.expire = expire
        self.userBuf = userBuf
        self.signature = signature
    }

    /// The unix time after which the sig is no longer accepted (saturating, so absurd values cannot trap).
    public var expiresAt: Int64 {
        let (sum, overflow) = time.addingReportingOverflow(expire)
        return overflow ? (expire > 0 ? .max : .min) : sum
    }

    /// The text TLSSigAPIv2 feeds to HMAC-SHA256.
    public var signedContent: String {
        var content = "TLS.identifier:\(identifier)\nTLS.sdkappid:\(sdkAppId)\nTLS.time:\(time)\nTLS.expire:\(expire)\n"
        if let userBuf {
            content += "TLS.userbuf:\(userBuf)\n"
        }
        return content
    }
}
