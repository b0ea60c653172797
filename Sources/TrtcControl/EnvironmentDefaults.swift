import Foundation

/// The environment variables that give flags their defaults (SPEC §4). An empty variable counts as unset.
enum EnvironmentDefaults {
    static let sdkAppId = "TRTC_SDK_APP_ID"
    static let secretKey = "TRTC_SECRET_KEY"
    static let userSig = "TRTC_USER_SIG"
    static let server = "TRTC_SERVER"
    static let apiEndpoint = "TRTC_API_ENDPOINT"
    static let secretId = "TRTC_SECRET_ID"
    static let apiSecretKey = "TRTC_API_SECRET_KEY"
    static let caFile = "TRTC_CA_FILE"

    /// The flag's value if given, else the variable's, else nil.
    static func value(_ flag: String?, or variable: String) -> String? {
        if let flag { return flag }
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return nil }
        return value
    }
}
