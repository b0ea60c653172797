import Foundation
import TrtcCore
import TrtcDBus

/// StartLocalVideo & co.: devices are opened and closed by `LocalMedia`; this decides what is published.
///
/// Publishing a kind needs: its capture open, not muted, the anchor role, and being in the room. The server is
/// told with `publish` (or the `enter` flags); RTP flows only once it acknowledged, since it drops RTP of a kind
/// that is not published. Turning a kind off stops sending first, then tells the server.
extension RoomController {
    func startLocalVideo(_ options: LocalVideoOptions) async throws(DBusError) {
        try checkMayPublish("StartLocalVideo")
        try await media.startVideo(options)
        events.properties(["LocalVideo": true])
        await syncPublishing()
    }

    func startLocalAudio(_ options: LocalAudioOptions) async throws(DBusError) {
        try checkMayPublish("StartLocalAudio")
        try await media.startAudio(options)
        events.properties(["LocalAudio": true])
        await syncPublishing()
    }

    func stopLocalVideo() async {
        media.setSending(video: false, audio: announced.audio && wantedPublishing().audio)
        await media.stopVideo()
        events.properties(["LocalVideo": false])
        await syncPublishing()
    }

    func stopLocalAudio() async {
        media.setSending(video: announced.video && wantedPublishing().video, audio: false)
        await media.stopAudio()
        events.properties(["LocalAudio": false])
        await syncPublishing()
    }

    func muteLocalVideo(_ mute: Bool) async {
        videoMuted = mute
        await syncPublishing()
    }

    func muteLocalAudio(_ mute: Bool) async {
        audioMuted = mute
        await syncPublishing()
    }

    /// The camera or microphone went away by itself.
    func localMediaEvent(_ event: LocalMediaEvent) async {
        switch event {
        case .videoLost(let reason):
            logger.warning("camera capture ended", metadata: ["reason": "\(reason)"])
            await media.stopVideo()
            events.properties(["LocalVideo": false])
        case .audioLost(let reason):
            logger.warning("microphone capture ended", metadata: ["reason": "\(reason)"])
            await media.stopAudio()
            events.properties(["LocalAudio": false])
        }
        await syncPublishing()
    }

    /// What we should publish now.
    func wantedPublishing() -> PublishFlags {
        guard let current = entry, current.role == .anchor else { return PublishFlags() }
        return PublishFlags(video: media.isVideoOpen && !videoMuted, audio: media.isAudioOpen && !audioMuted)
    }

    /// Brings the server's view (`announced`) and the sending publishers in line with `wantedPublishing()`.
    /// Re-entrant calls while a `publish` is in flight make the running one loop once more.
    func syncPublishing() async {
        if publishSyncRunning {
            publishSyncAgain = true
            return
        }
        publishSyncRunning = true
        defer { publishSyncRunning = false }
        repeat {
            publishSyncAgain = false
            let wanted = wantedPublishing()
            // Whatever is no longer wanted stops at once; new kinds start after the server's ack.
            media.setSending(video: announced.video && wanted.video, audio: announced.audio && wanted.audio)
            guard state == .inRoom, let channel = entry?.channel, wanted != announced else { break }
            let video = wanted.video != announced.video ? wanted.video : nil
            let audio = wanted.audio != announced.audio ? wanted.audio : nil
            let answer = await request(timeout: .seconds(5)) { .publish(seq: $0, video: video, audio: audio) }
            // A reconnect meanwhile re-entered with fresh flags; the loop re-checks against those.
            guard entry?.channel === channel else { publishSyncAgain = true; continue }
            guard case .ack = answer else {
                logger.warning("trtc-server did not accept publish", metadata: ["answer": "\(answer.map { "\($0)" } ?? "none")"])
                break
            }
            if let video { announced.video = video }
            if let audio { announced.audio = audio }
            let now = wantedPublishing()
            media.setSending(video: announced.video && now.video, audio: announced.audio && now.audio)
        } while publishSyncAgain
    }

    /// A new grant (entered or re-entered): open its transport, then publish what is wanted.
    func connectMedia(_ grant: MediaGrant, server: String) {
        do {
            try media.attach(grant: grant, signalingHost: URL(string: server)?.host)
        } catch {
            logger.error("cannot open the media transport; not publishing", metadata: ["error": "\(error)"])
            return
        }
        media.setSending(video: announced.video, audio: announced.audio)
        Task { await self.syncPublishing() }
    }

    private func checkMayPublish(_ method: String) throws(DBusError) {
        if let current = entry, current.role == .audience {
            throw TrtcdError.notPermitted("\(method): an audience member cannot publish; SwitchRole(\"anchor\") first")
        }
        if state == .exiting { throw TrtcdError.notPermitted("\(method): the room is being exited") }
    }
}
