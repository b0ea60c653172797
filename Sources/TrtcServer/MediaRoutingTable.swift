import NIOCore

/// Who may send media from where, and to whom it goes. The registry changes it on membership changes, the
/// datagram path on binds; `MediaRouter` keeps it behind a lock so that routing a packet needs no actor hop.
struct MediaRoutingTable: Sendable {
    private(set) var routes: [UInt64: MediaRoute] = [:]
    private var sessionByToken: [MediaToken: UInt64] = [:]
    private var sessionByAddress: [SocketAddress: UInt64] = [:]
    /// Per room, its bound members: kept ready so a packet's fan-out is one lookup and no allocation.
    private var fanouts: [RoomKey: [MediaDestination]] = [:]

    enum Decision: Sendable {
        case forward(MediaForwarding)
        case drop(MediaDropReason)
    }

    mutating func admit(_ route: MediaRoute) {
        revoke(session: route.session)
        var route = route
        route.address = nil
        routes[route.session] = route
        sessionByToken[route.token] = route.session
    }

    mutating func setPublishing(session: UInt64, audio: Bool, video: Bool) {
        routes[session]?.publishesAudio = audio
        routes[session]?.publishesVideo = video
    }

    /// The session is gone: its token and address stop working at once.
    mutating func revoke(session: UInt64) {
        guard let route = routes.removeValue(forKey: session) else { return }
        sessionByToken[route.token] = nil
        if let address = route.address {
            sessionByAddress[address] = nil
            removeDestination(session: session, room: route.room)
        }
    }

    /// Latches `address` for the token's session; a session re-binding from elsewhere (new socket, NAT
    /// rebinding) moves, and an address re-used by another session is taken from the old one.
    /// Returns false for a token no current session holds.
    mutating func bind(token: MediaToken, from address: SocketAddress) -> Bool {
        guard let session = sessionByToken[token], var route = routes[session] else { return false }
        if route.address == address { return true }
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
        fanouts[route.room, default: []].append(MediaDestination(session: session, address: address))
        return true
    }

    func route(from address: SocketAddress, _ datagram: MediaDatagram) -> Decision {
        guard let session = sessionByAddress[address], let route = routes[session] else { return .drop(.unbound) }
        let rejection: MediaDropReason?
        switch datagram {
        case .rtp(let ssrc): rejection = route.admits(ssrc: ssrc, isRTCP: false)
        case .rtcp(let ssrc): rejection = route.admits(ssrc: ssrc, isRTCP: true)
        case .bind, .malformed: rejection = .malformed
        }
        if let rejection { return .drop(rejection) }
        return .forward(MediaForwarding(
            sender: session, recordingName: route.recordingName, destinations: fanouts[route.room] ?? []))
    }

    private mutating func removeDestination(session: UInt64, room: RoomKey) {
        guard var destinations = fanouts[room] else { return }
        destinations.removeAll { $0.session == session }
        fanouts[room] = destinations.isEmpty ? nil : destinations
    }

    var boundCount: Int { sessionByAddress.count }
}
