import ArgumentParser
import TrtcCore

/// `(--room N | --str-room S)`: exactly one names the room.
struct RoomOptions: ParsableArguments {
    @Option(name: .customLong("room"), parsing: .unconditional,
            help: ArgumentHelp("Numeric room id, 1…4294967294.", valueName: "N"))
    var room: String?

    @Option(name: .customLong("str-room"), parsing: .unconditional,
            help: ArgumentHelp("String room id, 1…64 bytes of a-z A-Z 0-9, space and !#$%&()+-:;<=.>?@[]^_{}|~,", valueName: "S"))
    var strRoom: String?

    /// The room, validated; a missing, doubled or invalid room is a usage error.
    func roomName() throws -> RoomName {
        switch (room, strRoom) {
        case (nil, nil):
            throw ValidationError("[\(TrtcErrorCode.enterRoomParamNull.rawValue)] no room: give --room N or --str-room S")
        case (.some, .some):
            throw ValidationError("give either --room or --str-room, not both")
        case (let room?, nil):
            return .numeric(try IdentifierArguments.roomId(room))
        case (nil, let strRoom?):
            return .string(try IdentifierArguments.strRoomId(strRoom))
        }
    }

    init() {}
}
