import TrtcDBus

extension RoomController {
    /// StartRemoteVideo: `userId`'s video in the PipeWire node `trtcd.remote.<userId>.<streamType>`; returns its id.
    /// Calling it again for the same user returns the same node.
    func startRemoteVideo(userId: String, streamType: String) async throws(DBusError) -> UInt32 {
        switch streamType {
        case "main": break
        case "sub": throw TrtcdError.notSupported("StartRemoteVideo: no sub stream (screen sharing) is published in this version")
        default: throw TrtcdError.invalidArgument(.enterRoomParamNull, "streamType must be main or sub, not \(streamType.prefix(40).debugDescription)")
        }
        guard state == .inRoom || state == .reconnecting, let current = entry else {
            throw TrtcdError.notInRoom("StartRemoteVideo needs a room; call EnterRoom first")
        }
        guard current.remote[userId] != nil else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull, "StartRemoteVideo: no user \(userId.prefix(40).debugDescription) in the room")
        }
        return try await media.startRemoteVideo(userId: userId, nodeName: "trtcd.remote.\(userId).main")
    }

    /// StopRemoteVideo: removes the node (nothing to do when there is none).
    func stopRemoteVideo(userId: String, streamType: String) async throws(DBusError) {
        guard streamType == "main" || streamType == "sub" else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull, "streamType must be main or sub, not \(streamType.prefix(40).debugDescription)")
        }
        if streamType == "main" { await media.stopRemoteVideo(userId: userId) }
    }
}
