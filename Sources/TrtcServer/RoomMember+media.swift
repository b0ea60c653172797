import TrtcCore

extension RoomMember {
    /// What the SFU forwards of this member: only an anchor publishes, and only what it announced.
    var publishesAudio: Bool { role == .anchor && audio }
    var publishesVideo: Bool { role == .anchor && video }

    func mediaRoute(token: MediaToken, room: RoomKey) -> MediaRoute {
        MediaRoute(
            session: session.id, token: token, room: room,
            recordingName: "\(room.sdkAppId)-\(MediaRecorder.fileNamePart(room))-\(userId)",
            audioSsrc: media.audioSsrc, videoSsrc: media.videoSsrc,
            publishesAudio: publishesAudio, publishesVideo: publishesVideo, address: nil)
    }
}
