import TrtcDBus

/// StartRemoteVideo, StopRemoteVideo and MuteRemoteAudio: checked by the machine, carried out by `LocalMedia`.
extension RoomController {
    /// StartRemoteVideo: `userId`'s video in the PipeWire node `trtcd.remote.<userId>.<streamType>`; returns its id.
    /// Calling it again for the same stream returns the same node. A `sub` node exists but stays black: nothing
    /// publishes a sub (screen-sharing) stream yet.
    func startRemoteVideo(userId: String, streamType: String) async throws(DBusError) -> UInt32 {
        try await media.startRemoteVideo(try machine.remoteVideoToStart(userId: userId, streamType: streamType))
    }

    /// StopRemoteVideo: removes the node (nothing to do when there is none).
    func stopRemoteVideo(userId: String, streamType: String) async throws(DBusError) {
        await media.stopRemoteVideo(try RoomStateMachine.remoteVideoKey(userId: userId, streamType: streamType))
    }

    /// MuteRemoteAudio: stops (or resumes) playing `userId`'s audio until the room is left.
    func muteRemoteAudio(userId: String, mute: Bool) async throws(DBusError) {
        await perform(try machine.muteRemoteAudio(userId: userId, mute: mute))
    }
}
