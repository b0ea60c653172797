import TrtcCore

/// An application (sdkAppId and its secret key, for UserSigs) and a server-API credential (SecretId and SecretKey)
/// of a trtc-server.
public struct ServerCredentials: Sendable, Equatable {
    public let sdkAppId: UInt32
    public let secretKey: String
    public let secretId: String
    public let apiSecretKey: String

    public init(sdkAppId: UInt32, secretKey: String, secretId: String, apiSecretKey: String) {
        self.sdkAppId = sdkAppId
        self.secretKey = secretKey
        self.secretId = secretId
        self.apiSecretKey = apiSecretKey
    }

    /// Fresh random keys for application 1400000001, e.g. for one benchmark run.
    public static func random() -> ServerCredentials {
        ServerCredentials(sdkAppId: 1_400_000_001, secretKey: randomHex(32), secretId: "AKIDtrtcBench" + randomHex(12),
                          apiSecretKey: randomHex(16))
    }

    public func userSig(_ userId: String, expire: Int = 86400) -> String {
        UserSig.generate(sdkAppId: sdkAppId, userId: userId, secretKey: secretKey, expire: expire)
    }

    /// trtc-server's flags for these credentials.
    var serverArguments: [String] {
        ["--app", "\(sdkAppId):\(secretKey)", "--api-credential", "\(secretId):\(apiSecretKey)"]
    }

    private static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<bytes * 2).map { _ in digits[Int(generator.next() % 16)] })
    }
}
