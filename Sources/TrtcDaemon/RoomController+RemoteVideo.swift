import TrtcDBus

extension RoomController {
    /// StartRemoteVideo: `userId`'s video in the PipeWire node `trtcd.remote.<userId>.<streamType>`; returns its id.
    /// Calling it again for the same stream returns the same node. A `sub` node exists but stays black: nothing
    /// publishes a sub (screen-sharing) stream yet.
    func startRemoteVideo(userId: String, streamType: String) async throws(DBusError) -> UInt32 {
        guard streamType == "main" || streamType == "sub" else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull, "streamType must be main or sub, not \(streamType.prefix(40).debugDescription)")
        }
        guard state == .inRoom || state == .reconnecting, let current = entry else {
            throw TrtcdError.notInRoom("StartRemoteVideo needs a room; call EnterRoom first")
        }
        guard current.remote[userId] != nil else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull, "StartRemoteVideo: no user \(userId.prefix(40).debugDescription) in the room")
        }
        return try await media.startRemoteVideo(RemoteVideoKey(userId: userId, streamType: streamType))
    }

    /// StopRemoteVideo: removes the node (nothing to do when there is none).
    func stopRemoteVideo(userId: String, streamType: String) async throws(DBusError) {
        guard streamType == "main" || streamType == "sub" else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull, "streamType must be main or sub, not \(streamType.prefix(40).debugDescription)")
        }
        await media.stopRemoteVideo(RemoteVideoKey(userId: userId, streamType: streamType))
    }
}
