import TrtcCore
import TrtcDBus

extension RoomController {
    /// MuteRemoteAudio: stops (or resumes) playing `userId`'s audio; the choice holds until the room is left, also
    /// for a user who enters later.
    func muteRemoteAudio(userId: String, mute: Bool) throws(DBusError) {
        do {
            _ = try Identifiers.userId(userId)
        } catch {
            throw TrtcdError.from(error)
        }
        guard state == .inRoom || state == .reconnecting, entry != nil else {
            throw TrtcdError.notInRoom("MuteRemoteAudio needs a room; call EnterRoom first")
        }
        if mute { remoteAudioMuted.insert(userId) } else { remoteAudioMuted.remove(userId) }
        applyRemoteAudio(userId)
    }

    /// Plays `userId`'s audio when it publishes audio, is in the room and is not muted; else stops playing it.
    func applyRemoteAudio(_ userId: String) {
        let live = state == .inRoom || state == .reconnecting || state == .entering
        let ssrc = live && !remoteAudioMuted.contains(userId) ? entry?.remote[userId]?.audioSsrc : nil
        media.setRemoteAudio(userId: userId, ssrc: ssrc)
    }
}
