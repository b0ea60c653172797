import ArgumentParser
import TrtcClient

/// Where and as whom `trtcctl server …` calls the server API.
struct APIOptions: ParsableArguments {
    static let defaultEndpoint = "http://127.0.0.1:7800"

    @Option(help: ArgumentHelp("Server API address (default $TRTC_API_ENDPOINT, else \(defaultEndpoint)).", valueName: "URL"))
    var endpoint: String?

    @Option(name: .customLong("secret-id"), help: ArgumentHelp("API SecretId (default $TRTC_SECRET_ID).", valueName: "ID"))
    var secretId: String?

    @Option(name: .customLong("secret-key"), help: ArgumentHelp(
        "API SecretKey (default $TRTC_API_SECRET_KEY; visible in ps: prefer --secret-key-file).", valueName: "KEY"))
    var secretKey: String?

    @Option(name: .customLong("secret-key-file"), help: ArgumentHelp("Read the API SecretKey from FILE.", valueName: "FILE"))
    var secretKeyFile: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "PEM file of the CAs an https endpoint's certificate must chain to, instead of the system trust store (default $TRTC_CA_FILE).",
        valueName: "FILE"))
    var caFile: String?

    @Option(name: .customLong("sdk-app-id"), help: ArgumentHelp("The application (default $TRTC_SDK_APP_ID).", valueName: "N"))
    var sdkAppId: String?

    init() {}

    func client() throws -> ServerAPIClient {
        let endpoint = EnvironmentDefaults.value(endpoint, or: EnvironmentDefaults.apiEndpoint) ?? Self.defaultEndpoint
        guard let secretId = EnvironmentDefaults.value(secretId, or: EnvironmentDefaults.secretId) else {
            throw ValidationError("no API SecretId: give --secret-id or set \(EnvironmentDefaults.secretId)")
        }
        guard let secretKey = try SecretArguments.value(secretKey, flagName: "--secret-key", file: secretKeyFile,
                                                        fileFlagName: "--secret-key-file", variable: EnvironmentDefaults.apiSecretKey) else {
            throw ValidationError("no API SecretKey: give --secret-key-file FILE or set \(EnvironmentDefaults.apiSecretKey)")
        }
        if self.secretKey != nil {
            SecretArguments.warnAboutCommandLine([("--secret-key", "--secret-key-file FILE or \(EnvironmentDefaults.apiSecretKey)")])
        }
        let trust: ServerTrust
        do {
            trust = try ServerTrust.trusting(caFile: EnvironmentDefaults.value(caFile, or: EnvironmentDefaults.caFile))
        } catch {
            throw CommandFailure(error.description)
        }
        do {
            return try ServerAPIClient(endpoint: endpoint, secretId: secretId, secretKey: secretKey, trust: trust)
        } catch {
            throw ValidationError("--endpoint: \(error)")
        }
    }

    func appId() throws -> UInt32 {
        try IdentifierArguments.sdkAppId(sdkAppId)
    }
}
