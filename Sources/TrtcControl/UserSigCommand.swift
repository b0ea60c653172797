import ArgumentParser
import TrtcCore

/// `trtcctl usersig`: a TLSSigAPIv2 UserSig, as TRTC's GenerateTestUserSig (development; a business server does this);
/// with `--private-map-key`, a privateMapKey for one room instead (Tencent's `genPrivateMapKey`).
struct UserSigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usersig",
        abstract: "Print a UserSig (TLSSigAPIv2) for a user of an app, or a privateMapKey for a room.")

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

    @Flag(name: .customLong("private-map-key"),
          help: "Print a privateMapKey (room permission ticket) for --room/--str-room with --privileges instead.")
    var privateMapKey = false

    @OptionGroup var roomOptions: RoomOptions

    @Option(help: ArgumentHelp(
        "With --private-map-key: the privilege bits, 0…255 (1 create room, 2 enter, 4 send audio, 8 receive audio, 16 send video, 32 receive video, 64/128 send/receive sub stream; default 255).",
        valueName: "N"))
    var privileges: String?

    func validate() throws {
        _ = try inputs()
    }

    struct Inputs {
        var sdkAppId: UInt32
        var userId: String
        var secretKey: String
        /// With --private-map-key: the room and what the key allows.
        var ticket: (room: RoomName, privileges: Privileges)?
    }

    func inputs() throws -> Inputs {
        let sdkAppId = try IdentifierArguments.sdkAppId(sdkAppId)
        let userId = try IdentifierArguments.userId(user)
        guard let key = try SecretArguments.value(secretKey, flagName: "--secret-key", file: secretKeyFile,
                                                  fileFlagName: "--secret-key-file", variable: EnvironmentDefaults.secretKey) else {
            throw ValidationError("no secret key: give --secret-key-file FILE or set \(EnvironmentDefaults.secretKey)")
        }
        guard expire > 0 else { throw ValidationError("--expire must be a positive number of seconds, not \(expire)") }
        var inputs = Inputs(sdkAppId: sdkAppId, userId: userId, secretKey: key)
        if privateMapKey {
            let text = privileges ?? "255"
            guard let bits = UInt32(text), bits <= 255 else {
                throw ValidationError("--privileges must be a number 0…255 (a sum of privilege bits), not \(text.debugDescription)")
            }
            inputs.ticket = (try roomOptions.roomName(), Privileges(rawValue: bits))
        } else if roomOptions.room != nil || roomOptions.strRoom != nil || privileges != nil {
            throw ValidationError("--room, --str-room and --privileges make a privateMapKey: give --private-map-key too")
        }
        return inputs
    }

    func run() async throws {
        let inputs = try inputs()
        if secretKey != nil {
            SecretArguments.warnAboutCommandLine([("--secret-key", "--secret-key-file FILE or \(EnvironmentDefaults.secretKey)")])
        }
        let text = if let ticket = inputs.ticket {
            PrivateMapKey.generate(sdkAppId: inputs.sdkAppId, userId: inputs.userId, secretKey: inputs.secretKey,
                                   room: ticket.room, privileges: ticket.privileges, expire: expire)
        } else {
            UserSig.generate(sdkAppId: inputs.sdkAppId, userId: inputs.userId, secretKey: inputs.secretKey, expire: expire)
        }
        StandardStreams.writeOutput(text + "\n")
    }
}
