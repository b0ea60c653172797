import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// trtcd's room logic as a value: one room entry at a time through `State`, events in (D-Bus method calls, server
/// messages, connection ends, device changes), actions out. It does no I/O and never waits; `RoomController`
/// carries the actions out in order and feeds back the events that finish them (`leaveAnswered`,
/// `devicesReleased`, `publishAnswered`). Unit-tested without processes (RoomStateMachineTests).
struct RoomStateMachine: Sendable {
    /// One room entry, from EnterRoom until it is over.
    struct Entry: Sendable, Equatable {
        let id: UInt64
        let params: EnterParameters
        let server: String
        let startedAt: ContinuousClock.Instant
        var role: Role
        var remote: [String: RemoteUser] = [:]
        /// The open signaling connection (numbered per entry), nil between connections.
        var connection: UInt64?
        var connectionsOpened: UInt64 = 0
        /// What the server believes we publish on the current connection (from `enter` and acknowledged `publish`).
        var announced = PublishFlags()
        /// Kinds the server refused for the privateMapKey (no send bit): not asked for again in this entry, nor in a
        /// re-entry, which would be refused as a whole.
        var denied = PublishFlags()
        /// Remote users whose audio is not played (MuteRemoteAudio), also those not in the room yet.
        var remoteAudioMuted: Set<String> = []
    }

    /// What an exit in progress ends with once the devices are released.
    enum ExitCause: Sendable, Equatable {
        /// ExitRoom (or the bound caller leaving the bus) in the room: the `ExitRoom(0)` signal.
        case exitRoom
        /// The server removed us: `ExitRoom(reason)`.
        case forced(ExitReason)
        /// ExitRoom while entering: EnterRoom fails with Cancelled.
        case entryCancelled
    }

    enum State: Sendable, Equatable {
        case idle
        case entering(Entry)
        case inRoom(Entry)
        /// The connection was lost after entering; `attempt` counts the connection attempts since.
        case reconnecting(Entry, attempt: Int)
        /// Devices are being released (after the server confirmed the leave, for ExitRoom).
        case exiting(Entry, ExitCause)
    }

    /// A `publish` request in flight: what it changes and on which connection.
    struct PublishRequest: Sendable, Equatable {
        let video: Bool?
        let audio: Bool?
        let connection: UInt64
    }

    var state: State = .idle
    /// Camera / microphone capture open (StartLocal* succeeded, nothing closed it since). Outlives entries.
    var videoOpen = false
    var audioOpen = false
    /// MuteLocal*: kept until unmuted or the devices are released by an exit.
    var videoMuted = false
    var audioMuted = false
    var publishInFlight: PublishRequest?
    private var entriesStarted: UInt64 = 0

    init() {}

    /// The entry of any state but idle.
    var entry: Entry? {
        switch state {
        case .idle: nil
        case .entering(let entry), .inRoom(let entry), .reconnecting(let entry, _), .exiting(let entry, _): entry
        }
    }

    /// The `State` property's value.
    var roomState: RoomState {
        switch state {
        case .idle: .idle
        case .entering: .entering
        case .inRoom: .inRoom
        case .reconnecting: .reconnecting
        case .exiting: .exiting
        }
    }

    func isCurrent(_ entryId: UInt64) -> Bool { entry?.id == entryId }

    /// Changes the entry in place, keeping the state; nothing when idle.
    mutating func updateEntry(_ change: (inout Entry) -> Void) {
        switch state {
        case .idle: return
        case .entering(var entry): change(&entry); state = .entering(entry)
        case .inRoom(var entry): change(&entry); state = .inRoom(entry)
        case .reconnecting(var entry, let attempt): change(&entry); state = .reconnecting(entry, attempt: attempt)
        case .exiting(var entry, let cause): change(&entry); state = .exiting(entry, cause)
        }
    }

    /// Moves to `newState` and publishes the `State` property (with `extra` properties in the same change).
    mutating func transition(to newState: State, extra: [RoomProperty: DBusValue] = [:]) -> RoomAction {
        state = newState
        var values = extra
        values[.state] = .string(roomState.rawValue)
        return .setProperties(values)
    }

    mutating func nextEntryId() -> UInt64 {
        entriesStarted += 1
        return entriesStarted
    }
}

/// A camera or a microphone.
enum MediaKind: Sendable, Equatable {
    case video
    case audio
}
