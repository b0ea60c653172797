import ArgumentParser
import TrtcCore

/// `trtcctl server remove-user (--room N | --str-room S) USER...`: RemoveUser / RemoveUserByStrRoomId.
struct RemoveUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-user",
        abstract: "Remove users from a room (they get ExitRoom(1), the others RemoteUserLeaveRoom(user, 2)).")

    @OptionGroup var roomOptions: RoomOptions

    @Argument(help: ArgumentHelp("The userIds to remove (1…10).", valueName: "USER"))
    var users: [String] = []

    @OptionGroup var api: APIOptions

    func validate() throws {
        _ = try roomOptions.roomName()
        guard !users.isEmpty else { throw ValidationError("name at least one USER to remove") }
        for user in users { _ = try IdentifierArguments.userId(user) }
        _ = try api.appId()
        _ = try api.client()
    }

    func run() async throws {
        let (action, roomId) = ServerAPICall.roomFields(try roomOptions.roomName(), action: "RemoveUser")
        let requestId = try await ServerAPICall.perform(try api.client(), action, .object([
            "SdkAppId": .integer(Int64(try api.appId())), "RoomId": roomId, "UserIds": .array(users.map { .string($0) }),
        ]))
        StandardStreams.writeOutput("removed \(users.joined(separator: ", ")) from room \(try roomOptions.roomName()) (RequestId \(requestId))\n")
    }
}
