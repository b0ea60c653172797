import ArgumentParser
import TrtcCore

/// `trtcctl usersig`: a TLSSigAPIv2 UserSig, as TRTC's GenerateTestUserSig (development; a business server does this).
struct UserSigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usersig",
        abstract: "Print a UserSig (TLSSigAPIv2) for a user of an app.")

    @Option(name: .customLong("sdk-app-id"), help: ArgumentHelp("The application (default $TRTC_SDK_APP_ID).", valueName: "N"))
    var sdkAppId: String?

    @Option(name: .customLong("secret-key"), help: ArgumentHelp("The app's secret key (default $TRTC_SECRET_KEY).", valueName: "KEY"))
    var secretKey: String?

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
        guard let key = EnvironmentDefaults.value(secretKey, or: EnvironmentDefaults.secretKey) else {
            throw ValidationError("no secret key: give --secret-key KEY or set \(EnvironmentDefaults.secretKey)")
        }
        guard expire > 0 else { throw ValidationError("--expire must be a positive number of seconds, not \(expire)") }
        return (sdkAppId, userId, key)
    }

    func run() async throws {
        let (sdkAppId, userId, key) = try inputs()
        StandardStreams.writeOutput(UserSig.generate(sdkAppId: sdkAppId, userId: userId, secretKey: key, expire: expire) + "\n")
    }
}
