import ArgumentParser
import TrtcCore

/// `trtcctl usersig`: a TLSSigAPIv2 UserSig, as TRTC's GenerateTestUserSig (development; a business server does this).
struct UserSigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usersig",
        abstract: "Print a UserSig (TLSSigAPIv2) for a user of an app.")

    @Option(name: .customLong("sdk-app-id"), help: ArgumentHelp("The application (default $TRTC_SDK_APP_ID).", valueName: "N"))
    var sdkAppId: String?

    @Option(name: .customLong("secret-key"), help: ArgumentHelp(
        "The app's secret key (default $TRTC_SECRET_KEY; visible in ps: prefer --secret-key-file).", valueName: "KEY"))
    var secretKey: String?

    @Option(name: .customLong("secret-key-file"), help: ArgumentHelp("Read the app's secret key from FILE.", valueName: "FILE"))
    var secretKeyFile: String?

    @Option(name: .customLong("user"), parsing: .unconditional, help: ArgumentHelp("The userId.", valueName: "ID"))
    var user: String

    @Option(help: ArgumentHelp("Validity in seconds (default 15552000, 180 days).", valueName: "SECONDS"))
    var expire: Int = UserSig.defaultExpire

    func validate() throws {
        _ = try inputs()
    }

    func inputs() throws -> (sdkAppId: UInt32, userId: String, secretKey: String) {
        let sdkAppId = try IdentifierArguments.sdkAppId(sdkAppId)
        let userId = try IdentifierArguments.userId(user)
        guard let key = try SecretArguments.value(secretKey, flagName: "--secret-key", file: secretKeyFile,
                                                  fileFlagName: "--secret-key-file", variable: EnvironmentDefaults.secretKey) else {
            throw ValidationError("no secret key: give --secret-key-file FILE or set \(EnvironmentDefaults.secretKey)")
        }
        guard expire > 0 else { throw ValidationError("--expire must be a positive number of seconds, not \(expire)") }
        return (sdkAppId, userId, key)
    }

    func run() async throws {
        let (sdkAppId, userId, key) = try inputs()
        if secretKey != nil {
            SecretArguments.warnAboutCommandLine([("--secret-key", "--secret-key-file FILE or \(EnvironmentDefaults.secretKey)")])
        }
        StandardStreams.writeOutput(UserSig.generate(sdkAppId: sdkAppId, userId: userId, secretKey: key, expire: expire) + "\n")
    }
}
