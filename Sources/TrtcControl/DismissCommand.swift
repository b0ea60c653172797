import ArgumentParser
import TrtcCore

/// `trtcctl server dismiss (--room N | --str-room S)`: DismissRoom / DismissRoomByStrRoomId.
struct DismissCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dismiss",
        abstract: "Dismiss a room (every member gets ExitRoom(2)).")

    @OptionGroup var roomOptions: RoomOptions

    @OptionGroup var api: APIOptions

    func validate() throws {
        _ = try roomOptions.roomName()
        _ = try api.appId()
        _ = try api.client()
    }

    func run() async throws {
        let room = try roomOptions.roomName()
        let (action, roomId) = ServerAPICall.roomFields(room, action: "DismissRoom")
        let requestId = try await ServerAPICall.perform(try api.client(), action, .object([
            "SdkAppId": .integer(Int64(try api.appId())), "RoomId": roomId,
        ]))
        StandardStreams.writeOutput("dismissed room \(room) (RequestId \(requestId))\n")
    }
}
