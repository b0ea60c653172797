import NIOCore
import TrtcTransport

/// What the registry hands the media event loop when a member with a media offer is admitted. Everything here is a
/// value, so it crosses to the loop, which builds the member's `ServerMediaConnection` there (its owner).
struct MediaAdmission: Sendable {
    let session: UInt64
    let room: RoomKey
    /// `<sdkAppId>-<room>-<userId>`: the start of this member's --record file names.
    let recordingName: String
    let audioSsrc: UInt32
    let videoSsrc: UInt32
    var publishesAudio: Bool
    var publishesVideo: Bool
    /// What the member's privateMapKey lets it receive (both without a key); fixed for the session.
    let receivesAudio: Bool
    let receivesVideo: Bool
    /// The server's ICE-lite credentials for this session (sent in `entered.media`).
    let local: ICECredentials
    /// From the client's `enter.media`: its ufrag and its DTLS certificate fingerprint.
    let remoteUfrag: String
    let remoteFingerprint: CertificateFingerprint
    /// Its numbers for Opus and VP8 (a browser's from its SDP): renumbered to and from those the SFU carries.
    var payloadTypes: MemberPayloadTypes = .carried
    /// Whether the server numbers the RTP packets it sends this member with its own transport-wide sequence numbers
    /// and takes its transport-wide feedback about them (`DownlinkEstimate`): trtcd always, a browser that offered
    /// the extension.
    var numbersDownlink = true
}

/// One session's media state as the datagram path sees it. Lives on the media event loop only.
struct MediaRoute {
    var admission: MediaAdmission
    /// ICE-lite responder, DTLS server and SRTP contexts of this member.
    let connection: ServerMediaConnection
    /// The address its last valid nominating check came from: the only one media is taken from and sent to.
    var address: SocketAddress?
    /// Its recent video packets, for NACKs from the others.
    let videoCache = VideoPacketCache()
    /// Its feedback's budget, and its video's last key-frame request.
    let feedback = FeedbackBudget()
    /// What it may send (packets and bits per second), spent after decryption.
    let ingress: MemberMediaBudget
    /// The server's own NACKs and receiver reports for what it publishes (uplink repair).
    let uplink = UplinkFeedback()
    /// What its video costs per temporal layer (for its receivers' layer choice).
    let publishedLayers = PublishedLayers()
    /// Which temporal layers of each video stream it receives, and their renumbering.
    let downlinkLayers = DownlinkLayers()

    var session: UInt64 { admission.session }

    /// The kind of the member's own stream `ssrc` (nil: not one of its SSRCs).
    func ownKind(_ ssrc: UInt32) -> MediaKind? {
        switch ssrc {
        case admission.audioSsrc: .audio
        case admission.videoSsrc: .video
        default: nil
        }
    }

    func publishes(_ kind: MediaKind) -> Bool { kind == .audio ? admission.publishesAudio : admission.publishesVideo }
    func receives(_ kind: MediaKind) -> Bool { kind == .audio ? admission.receivesAudio : admission.receivesVideo }
    var room: RoomKey { admission.room }

    /// May this session send RTP with `ssrc` now? RTCP (`isRTCP`) needs only one of the session's SSRCs:
    /// receivers send reports and picture-loss requests whether they publish or not.
    func admits(ssrc: UInt32, isRTCP: Bool) -> MediaDropReason? {
        switch ssrc {
        case admission.audioSsrc: isRTCP || admission.publishesAudio ? nil : .notPublishing
        case admission.videoSsrc: isRTCP || admission.publishesVideo ? nil : .notPublishing
        // A browser's receive-only sections report with sender SSRC 1 (libwebrtc's default); never granted.
        case BrowserPeer.receiverReportSsrc where isRTCP: nil
        default: .badSsrc
        }
    }
}

/// A member of a room with a selected address: where its copies of the room's packets go, protected with its keys.
struct MediaDestination {
    let session: UInt64
    let address: SocketAddress
    let connection: ServerMediaConnection
    let videoSsrc: UInt32
    let videoCache: VideoPacketCache
    let feedback: FeedbackBudget
    let uplink: UplinkFeedback
    let downlinkLayers: DownlinkLayers
    let receivesAudio: Bool
    let receivesVideo: Bool
    let payloadTypes: MemberPayloadTypes

    /// May this member be sent a packet of `kind` (nil: RTCP reports, which carry no media)?
    func receives(_ kind: MediaKind?) -> Bool {
        switch kind {
        case .audio?: receivesAudio
        case .video?: receivesVideo
        case nil: true
        }
    }
}

/// The kind of media an RTP packet carries, by its sender's SSRC: what a receiver needs the privilege for.
enum MediaKind {
    case audio, video
}

/// What to do with an accepted packet: send it to `destinations` except the sender's own.
struct MediaForwarding {
    let sender: UInt64
    let recordingName: String
    let destinations: [MediaDestination]
    /// The RTP packet's kind; nil for RTCP.
    var kind: MediaKind? = nil

}
