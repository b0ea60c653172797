import TrtcCore

/// The application and server-API credential the benchmark gives its server; fresh for every run.
struct BenchCredentials: Sendable {
    let sdkAppId: UInt32 = 1_400_000_001
    let secretKey: String
    let secretId: String
    let apiSecretKey: String

    init() {
        secretKey = Self.randomHex(32)
        secretId = "AKIDtrtcBench" + Self.randomHex(12)
        apiSecretKey = Self.randomHex(16)
    }

    func userSig(_ userId: String) -> String {
        UserSig.generate(sdkAppId: sdkAppId, userId: userId, secretKey: secretKey, expire: 86400)
    }

    private static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<bytes * 2).map { _ in digits[Int(generator.next() % 16)] })
    }
}
