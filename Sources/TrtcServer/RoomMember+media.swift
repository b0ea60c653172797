import TrtcCore
import TrtcTransport

extension RoomMember {
    /// What the SFU forwards of this member: only an anchor publishes, and only what it announced.
    var publishesAudio: Bool { role == .anchor && audio }
    var publishesVideo: Bool { role == .anchor && video }

    /// What the media loop needs to build this member's connection, given the client's checked offer.
    func mediaAdmission(room: RoomKey, local: ICECredentials, offer: (ufrag: String, fingerprint: CertificateFingerprint))
        -> MediaAdmission {
        MediaAdmission(
            session: session.id, room: room,
            recordingName: "\(room.sdkAppId)-\(MediaRecorder.fileNamePart(room))-\(userId)",
            audioSsrc: media.audioSsrc, videoSsrc: media.videoSsrc,
            publishesAudio: publishesAudio, publishesVideo: publishesVideo,
            receivesAudio: may(.receiveAudio), receivesVideo: may(.receiveVideo),
            local: local, remoteUfrag: offer.ufrag, remoteFingerprint: offer.fingerprint,
            payloadTypes: browser?.payloadTypes ?? .carried,
            numbersDownlink: browser?.transportWideCC ?? true)
    }
}
