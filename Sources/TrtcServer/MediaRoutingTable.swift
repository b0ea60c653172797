import NIOCore
import TrtcTransport

/// Who may send media from where, and to whom it goes. The registry changes membership through `MediaRouter`, which
/// applies it on the media event loop; connectivity checks select addresses. Only that loop touches the table.
struct MediaRoutingTable {
    /// Each member's media rate limits.
    let memberLimits: MemberMediaLimits
    private(set) var routes: [UInt64: MediaRoute] = [:]
    private var sessionByUfrag: [String: UInt64] = [:]
    private var sessionByAddress: [SocketAddress: UInt64] = [:]
    /// Every member's two SSRCs by room: whose stream a report or a request names.
    private var sessionByStream: [StreamKey: UInt64] = [:]
    /// Per room, its members with a selected address: kept ready so a packet's fan-out is one lookup.
    private var fanouts: [RoomKey: [MediaDestination]] = [:]
    /// Sessions whose DTLS handshake may need a retransmission: the timer looks at these only.
    private(set) var handshaking: Set<UInt64> = []
    /// Sessions whose media the server has received: the uplink tick (NACK retries, receiver reports) visits these.
    private(set) var uplinks: Set<UInt64> = []

    init(memberLimits: MemberMediaLimits) {
        self.memberLimits = memberLimits
    }

    enum Decision {
        case forward(MediaForwarding)
        case drop(MediaDropReason)
    }

    mutating func admit(_ admission: MediaAdmission, certificate: DTLSCertificate) throws(TransportError) {
        revoke(session: admission.session)
        let connection = try ServerMediaConnection(
            local: admission.local, remoteUfrag: admission.remoteUfrag,
            remoteFingerprint: admission.remoteFingerprint, certificate: certificate)
        routes[admission.session] = MediaRoute(admission: admission, connection: connection, address: nil,
                                              ingress: MemberMediaBudget(memberLimits))
        if admission.numbersDownlink { routes[admission.session]!.downlinkLayers.estimate = DownlinkEstimate() }
        sessionByUfrag[admission.local.ufrag] = admission.session
        sessionByStream[StreamKey(room: admission.room, ssrc: admission.audioSsrc)] = admission.session
        sessionByStream[StreamKey(room: admission.room, ssrc: admission.videoSsrc)] = admission.session
    }

    mutating func setPublishing(session: UInt64, audio: Bool, video: Bool) {
        routes[session]?.admission.publishesAudio = audio
        routes[session]?.admission.publishesVideo = video
    }

    /// The session is gone: its credentials and address stop working at once.
    mutating func revoke(session: UInt64) {
        guard let route = routes.removeValue(forKey: session) else { return }
        sessionByUfrag[route.admission.local.ufrag] = nil
        for ssrc in [route.admission.audioSsrc, route.admission.videoSsrc] {
            let key = StreamKey(room: route.room, ssrc: ssrc)
            if sessionByStream[key] == session { sessionByStream[key] = nil }
        }
        handshaking.remove(session)
        uplinks.remove(session)
        if let address = route.address {
            sessionByAddress[address] = nil
            removeDestination(session: session, room: route.room)
        }
    }

    /// The member of `room` that publishes the stream `ssrc` now, and its kind: where a report or a request about that
    /// stream may go. Nil for an SSRC nobody in the room has, or a stream its member does not publish now.
    func publisher(ofStream ssrc: UInt32, in room: RoomKey) -> (route: MediaRoute, kind: MediaKind)? {
        guard let session = sessionByStream[StreamKey(room: room, ssrc: ssrc)], let route = routes[session] else { return nil }
        if ssrc == route.admission.videoSsrc { return route.admission.publishesVideo ? (route, .video) : nil }
        return route.admission.publishesAudio ? (route, .audio) : nil
    }

    private struct StreamKey: Hashable {
        let room: RoomKey
        let ssrc: UInt32
    }

    /// The session a STUN check names by its server ufrag.
    func route(forUfrag ufrag: String) -> MediaRoute? {
        sessionByUfrag[ufrag].flatMap { routes[$0] }
    }

    /// The session whose selected address is `address`: the only sender DTLS and SRTP are accepted from.
    func route(at address: SocketAddress) -> MediaRoute? {
        sessionByAddress[address].flatMap { routes[$0] }
    }

    /// A valid check made `address` the session's selected address (first nomination, or the client moved).
    /// An address re-used by another session is taken from it.
    mutating func select(session: UInt64, address: SocketAddress) {
        guard var route = routes[session], route.address != address else { return }
        if let previousOwner = sessionByAddress[address], previousOwner != session, var other = routes[previousOwner] {
            other.address = nil
            routes[previousOwner] = other
            removeDestination(session: previousOwner, room: other.room)
        }
        if let old = route.address {
            sessionByAddress[old] = nil
            removeDestination(session: session, room: route.room)
        }
        route.address = address
        routes[session] = route
        sessionByAddress[address] = session
        fanouts[route.room, default: []].append(
            MediaDestination(session: session, address: address, connection: route.connection,
                             videoSsrc: route.admission.videoSsrc, videoCache: route.videoCache, feedback: route.feedback, uplink: route.uplink,
                             downlinkLayers: route.downlinkLayers,
                             receivesAudio: route.admission.receivesAudio, receivesVideo: route.admission.receivesVideo,
                             payloadTypes: route.admission.payloadTypes))
    }

    /// The session's media arrived for the first time: the uplink tick visits it from now on.
    mutating func noteUplink(_ session: UInt64) {
        if routes[session] != nil { uplinks.insert(session) }
    }

    mutating func setHandshaking(_ session: UInt64, _ waiting: Bool) {
        if waiting { handshaking.insert(session) } else { handshaking.remove(session) }
    }

    /// Where a decrypted packet of `route`'s member goes.
    func forwarding(from route: MediaRoute, _ datagram: MediaDatagram) -> Decision {
        let rejection: MediaDropReason?
        switch datagram {
        case .rtp(let ssrc): rejection = route.admits(ssrc: ssrc, isRTCP: false)
        case .rtcp(let ssrc): rejection = route.admits(ssrc: ssrc, isRTCP: true)
        case .malformed: rejection = .malformed
        }
        if let rejection { return .drop(rejection) }
        var kind: MediaKind?
        if case .rtp(let ssrc) = datagram { kind = ssrc == route.admission.audioSsrc ? .audio : .video }
        return .forward(MediaForwarding(
            sender: route.session, recordingName: route.admission.recordingName, destinations: fanouts[route.room] ?? [],
            kind: kind))
    }

    /// The members of `room` with a selected address.
    func destinations(in room: RoomKey) -> [MediaDestination] { fanouts[room] ?? [] }

    private mutating func removeDestination(session: UInt64, room: RoomKey) {
        guard var destinations = fanouts[room] else { return }
        destinations.removeAll { $0.session == session }
        fanouts[room] = destinations.isEmpty ? nil : destinations
    }

    var selectedCount: Int { sessionByAddress.count }
}
