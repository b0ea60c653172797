import Logging
import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// What `RoomStateMachine` asks `RoomController` to do, in order.
enum RoomAction: Sendable, Equatable {
    // D-Bus
    case emit(RoomSignal)
    case setProperties([RoomProperty: DBusValue])
    /// Replies to the EnterRoom call of entry `entryId` (elapsed ms, or its error).
    case completeEnter(entryId: UInt64, Result<Int64, DBusError>)
    /// Watches the EnterRoom caller (bindToCaller): its leaving the bus exits the entry.
    case watchCaller(entryId: UInt64)
    case cancelCallerWatch
    /// Replies to every ExitRoom call waiting for an exit in progress.
    case finishExitWaiters

    // signaling
    /// Runs a room session (connect, enter, reconnect) for the entry.
    case startSession(entryId: UInt64, server: String)
    /// Sends `enter` on the connection that just opened (the connection fills in `seq`).
    case sendEnter(EnterRequest)
    /// Sends `leave` without waiting for the answer.
    case sendLeave
    /// Sends `leave` and waits (bounded) for its answer, then `RoomStateMachine.leaveAnswered()`.
    case requestLeave
    /// On a connection of an entry that is no longer current: `leave`, so we do not linger as a ghost.
    case leaveStaleConnection
    case closeConnection
    /// Requests waiting for an answer get none (the connection is gone).
    case failPendingRequests
    /// Runs the publish sync (`RoomStateMachine.publishStep()`) soon, outside the caller.
    case syncPublishing

    // media
    /// Stops publishing and closes every capture stream and remote node; then `RoomStateMachine.devicesReleased()`.
    case releaseDevices
    case attachMedia(MediaGrant, server: String)
    case detachMedia
    /// Which kinds the publishers may send (server acknowledged, not muted).
    case setSending(PublishFlags)
    case setRemoteVideoSsrc(userId: String, ssrc: UInt32?)
    case setRemoteAudio(userId: String, ssrc: UInt32?)
    /// A remote user left: its video nodes go (without waiting).
    case removeRemoteVideo(userId: String)
    case closeRemoteMedia

    case log(Logger.Level, String)
}
