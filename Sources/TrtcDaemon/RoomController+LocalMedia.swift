import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// StartLocalVideo & co.: devices are opened and closed by `LocalMedia`; what is published is the machine's
/// decision (RoomStateMachine+Media).
extension RoomController {
    func startLocalVideo(_ options: LocalVideoOptions) async throws(DBusError) {
        try machine.checkMayPublish(.startLocalVideo)
        try await media.startVideo(options)
        // An exit may have closed it again meanwhile; the device's state is the media engine's.
        if media.isVideoOpen { await perform(machine.deviceOpened(.video)) }
    }

    func startLocalAudio(_ options: LocalAudioOptions) async throws(DBusError) {
        try machine.checkMayPublish(.startLocalAudio)
        try await media.startAudio(options)
        if media.isAudioOpen { await perform(machine.deviceOpened(.audio)) }
    }

    func stopLocalVideo() async {
        await perform(machine.deviceClosing(.video))
        await media.stopVideo()
        await perform(machine.deviceClosed(.video))
    }

    func stopLocalAudio() async {
        await perform(machine.deviceClosing(.audio))
        await media.stopAudio()
        await perform(machine.deviceClosed(.audio))
    }

    func muteLocalVideo(_ mute: Bool) async {
        await perform(machine.mute(.video, mute))
    }

    func muteLocalAudio(_ mute: Bool) async {
        await perform(machine.mute(.audio, mute))
    }

    /// The camera or microphone went away by itself.
    func localMediaEvent(_ event: LocalMediaEvent) async {
        let kind: MediaKind
        switch event {
        case .videoLost(let reason):
            logger.warning("camera capture ended", metadata: ["reason": "\(reason)"])
            await media.stopVideo()
            kind = .video
        case .audioLost(let reason):
            logger.warning("microphone capture ended", metadata: ["reason": "\(reason)"])
            await media.stopAudio()
            kind = .audio
        }
        await perform(machine.deviceClosed(kind))
    }
}
