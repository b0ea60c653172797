import NIOCore

/// One session's media state as the datagram path sees it.
struct MediaRoute: Sendable {
    let session: UInt64
    let token: MediaToken
    let room: RoomKey
    /// `<sdkAppId>-<room>-<userId>`: the start of this member's --record file names.
    let recordingName: String
    let audioSsrc: UInt32
    let videoSsrc: UInt32
    var publishesAudio: Bool
    var publishesVideo: Bool
    /// Latched by the first valid bind; RTP/RTCP is accepted only from here.
    var address: SocketAddress?

    /// May this session send RTP with `ssrc` now? RTCP (`isRTCP`) needs only one of the session's SSRCs:
    /// receivers send reports and picture-loss requests whether they publish or not.
    func admits(ssrc: UInt32, isRTCP: Bool) -> MediaDropReason? {
        switch ssrc {
        case audioSsrc: isRTCP || publishesAudio ? nil : .notPublishing
        case videoSsrc: isRTCP || publishesVideo ? nil : .notPublishing
        default: .badSsrc
        }
    }
}

/// A bound member of a room: where its copies of the room's packets go.
struct MediaDestination: Sendable {
    let session: UInt64
    let address: SocketAddress
}

/// What to do with an accepted packet: send it to `destinations` except the sender's own.
struct MediaForwarding: Sendable {
    let sender: UInt64
    let recordingName: String
    let destinations: [MediaDestination]
}
