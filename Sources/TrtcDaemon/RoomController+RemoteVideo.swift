import TrtcDBus

extension RoomController {
    /// StartRemoteVideo: `userId`'s video in the PipeWire node `trtcd.remote.<userId>.<streamType>`; returns its id.
    /// Calling it again for the same stream returns the same node. A `sub` node exists but stays black: nothing
    /// publishes a sub (screen-sharing) stream yet.
    func startRemoteVideo(userId: String, streamType: String) async throws(DBusError) -> UInt32 {
        let key = try Self.remoteVideoKey(userId: userId, streamType: streamType)
        guard state == .inRoom || state == .reconnecting, let current = entry else {
            throw TrtcdError.notInRoom("StartRemoteVideo needs a room; call EnterRoom first")
        }
        guard current.remote[userId] != nil else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull, "StartRemoteVideo: no user \(userId.prefix(40).debugDescription) in the room")
        }
        return try await media.startRemoteVideo(key)
    }

    /// StopRemoteVideo: removes the node (nothing to do when there is none).
    func stopRemoteVideo(userId: String, streamType: String) async throws(DBusError) {
        await media.stopRemoteVideo(try Self.remoteVideoKey(userId: userId, streamType: streamType))
    }

    private static func remoteVideoKey(userId: String, streamType: String) throws(DBusError) -> RemoteVideoKey {
        guard streamType == "main" || streamType == "sub" else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull, "streamType must be main or sub, not \(streamType.prefix(40).debugDescription)")
        }
        return RemoteVideoKey(userId: userId, streamType: streamType)
    }
}
