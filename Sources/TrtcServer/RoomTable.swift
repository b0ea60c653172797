import Logging
import TrtcCore
import TrtcTransport

/// Every room and membership. `RoomRegistry` owns the one instance behind its lock, so the order in which members see
/// events is the order in which they happened. Replies to a session are queued from inside the lock for the same
/// reason: a new member's `entered` always precedes any later event about the others.
struct RoomTable {
    struct Membership {
        let key: RoomKey
        let userId: String
    }

    private let configuration: ServerConfiguration
    private let metrics: ServerMetrics
    private let logger: Logger
    /// The media socket's routing table, kept in step with membership here (tokens die with their session).
    private let media: MediaRouter
    private let mediaEndpoint: MediaEndpoint
    // Not private: RoomTable+browser.swift works on them too.
    var rooms: [RoomKey: [String: RoomMember]] = [:]
    var memberships: [UInt64: Membership] = [:]
    /// Every open connection, in a room or not, so shutdown can tell each of them.
    private var sessions: [UInt64: SignalingSession] = [:]
    private var memberCount = 0
    private var isShuttingDown = false
    private var roomEntries: RoomEntryBudget
    /// Cluster mode: the placement of each room this node owns, released with it when the room empties.
    private var claims: [RoomKey: RoomClaim] = [:]
    /// Cluster mode: hands an emptied room's claim to the cluster service, which deletes its row.
    private let releaseRoom: (@Sendable (RoomKey, RoomClaim) -> Void)?

    init(configuration: ServerConfiguration, metrics: ServerMetrics, media: MediaRouter, mediaEndpoint: MediaEndpoint,
         logger: Logger, releaseRoom: (@Sendable (RoomKey, RoomClaim) -> Void)? = nil) {
        self.releaseRoom = releaseRoom
        self.configuration = configuration
        self.metrics = metrics
        self.media = media
        self.mediaEndpoint = mediaEndpoint
        self.logger = logger
        self.roomEntries = RoomEntryBudget(perMinute: configuration.roomEntriesPerMinute)
    }

    // MARK: connections

    mutating func register(_ session: SignalingSession) {
        if isShuttingDown {
            session.send(.shutdown(message: "server is shutting down"))
            session.close(goingAway: true)
            return
        }
        sessions[session.id] = session
    }

    /// The TCP connection is gone. A member stays until its departure timeout, so that a client that
    /// reconnects at once is not seen leaving and entering.
    mutating func connectionClosed(_ session: SignalingSession) {
        sessions[session.id] = nil
    }

    // MARK: signaling requests

    mutating func enter(_ admission: Admission, session: SignalingSession) {
        guard !isShuttingDown else {
            session.send(.error(.refused("server is shutting down", seq: admission.seq)))
            return
        }
        if let current = memberships[session.id] {
            session.send(.error(.refused("already in room \(current.key.room); leave first", seq: admission.seq)))
            return
        }
        // Flags, not the room's dictionary: holding a copy would make the in-place insertion below copy the room.
        let roomExists = rooms[admission.key] != nil
        if rooms[admission.key]?[admission.userId] == nil,
           !roomEntries.spend(.init(sdkAppId: admission.key.sdkAppId, userId: admission.userId), room: admission.key.room) {
            metrics.roomEntriesThrottled.increment()
            session.send(.error(.refused(
                "too many rooms entered by userId \(admission.userId): at most \(configuration.roomEntriesPerMinute) per minute",
                seq: admission.seq)))
            return
        }
        // Only here is it known whether this entry creates the room.
        if !roomExists, let privileges = admission.privileges {
            do {
                try Admission.require(.createRoom, of: privileges, "create the room (\(admission.key.room) has no members)")
            } catch {
                metrics.permissionRefusals.increment()
                session.send(.error(SignalingError(seq: admission.seq, error)))
                return
            }
        }
        let credentials = ICECredentials.random()
        let grant = makeMediaGrant(credentials: credentials, avoiding: rooms[admission.key] ?? [:],
                                   browser: admission.browserOffer)
        guard let grant else {
            session.send(.error(.refused("an SSRC of the offer is in use in the room; create a new offer and enter again",
                                         seq: admission.seq)))
            return
        }
        var member = RoomMember(
            userId: admission.userId, session: session, scene: admission.scene, role: admission.role,
            video: admission.video, audio: admission.audio, media: grant, privileges: admission.privileges)
        var answer: String?
        if let offer = admission.browserOffer {
            do {
                answer = try browserAnswer(to: offer, for: &member, streams: [:], first: true)
            } catch {
                session.send(.error(.badMessage("sdp: \(error.message)", seq: admission.seq)))
                return
            }
        }
        if !roomExists { metrics.rooms.increment() }
        // Changed in place: a copy of the room's dictionary per entry would make filling a large room quadratic.
        let previous = rooms[admission.key, default: [:]].updateValue(member, forKey: admission.userId)
        if let offer = admission.media {
            media.admit(member.mediaAdmission(room: admission.key, local: credentials, offer: offer))
        }
        memberships[session.id] = Membership(key: admission.key, userId: admission.userId)
        session.hasEntered.store(true, ordering: .relaxed)
        metrics.joins.increment()

        let others = rooms[admission.key, default: [:]].values.filter { $0.userId != admission.userId && $0.isVisible }.map(\.info)
        session.send(.entered(.init(
            seq: admission.seq, userId: admission.userId, room: admission.key.room,
            members: others.sorted { $0.userId < $1.userId }, media: member.media,
            heartbeatMs: Int(configuration.heartbeatIntervalMs),
            departureTimeoutMs: Int(configuration.departureTimeoutMs), sdp: answer)))

        if let previous {
            displace(previous, by: member, in: admission.key)
        } else {
            memberCount += 1
            metrics.users.increment()
            announceChange(from: nil, to: member, in: admission.key)
        }
        logger.debug("entered", metadata: [
            "room": "\(admission.key)", "user": "\(admission.userId)", "session": "\(session.id)",
            "replaced": "\(previous != nil)",
        ])
    }

    // MARK: cluster mode

    /// The room has members here (so this node owns it): an entry needs no placement.
    func hasRoom(_ key: RoomKey) -> Bool { rooms[key] != nil }

    func isMember(_ session: SignalingSession) -> Bool { memberships[session.id] != nil }

    /// An entry whose room the cluster placed on this node (`claim`). Concurrent placements of one room by this node
    /// each bump the epoch: the room keeps the newest, which is the one the row has.
    mutating func enterPlaced(_ admission: Admission, session: SignalingSession, claim: RoomClaim) {
        if let held = claims[admission.key], held.incarnation == claim.incarnation {
            claims[admission.key]?.epoch = max(held.epoch, claim.epoch)
        } else {
            claims[admission.key] = claim
        }
        enter(admission, session: session)
        // Refused (throttled, no create privilege…) into a room nobody is in: the placement is given back.
        if rooms[admission.key] == nil { releaseClaim(of: admission.key) }
    }

    /// The lease is lost: every member is told the server is going away (they reconnect and are placed anew) and
    /// closed, and every room is dropped with its media, before another node may take them. The claims die with the
    /// incarnation; nothing is released.
    mutating func fence(reason: String) {
        let payload = SignalingSession.payload(ServerMessage.shutdown(message: "node left the cluster: \(reason)"))
        var told = 0
        for (_, members) in rooms {
            for member in members.values {
                member.session.send(payload)
                member.session.close(goingAway: true)
                media.revoke(session: member.session.id)
                told += 1
            }
        }
        metrics.users.decrement(by: Double(memberCount))
        metrics.rooms.decrement(by: Double(rooms.count))
        rooms.removeAll()
        memberships.removeAll()
        claims.removeAll()
        memberCount = 0
        logger.error("fenced: \(reason); told \(told) members")
    }

    /// The rooms this node owns, as `SDKAPPID/ROOMKEY` (the orphan sweep keeps their rows).
    var claimedRoomKeys: [String] { claims.keys.map { "\($0.sdkAppId)/\($0.clusterKey)" } }

    private mutating func releaseClaim(of key: RoomKey) {
        if let claim = claims.removeValue(forKey: key) { releaseRoom?(key, claim) }
    }

    // MARK: leaving and changes

    mutating func leave(seq: UInt32, session: SignalingSession) {
        guard let membership = memberships[session.id] else {
            session.send(.error(.refused("not in a room", seq: seq)))
            return
        }
        removeMember(membership, reason: .left)
        metrics.leaves.increment()
        session.send(.ack(seq: seq))
        session.close()
        logger.debug("left", metadata: ["room": "\(membership.key)", "user": "\(membership.userId)"])
    }

    mutating func switchRole(seq: UInt32, role: Role, session: SignalingSession) {
        guard let membership = memberships[session.id], var member = rooms[membership.key]?[membership.userId] else {
            session.send(.error(.refused("not in a room", seq: seq)))
            return
        }
        guard member.scene == .live else {
            session.send(.error(.refused("roles apply to the live scene; in rtc every member is an anchor", seq: seq)))
            return
        }
        let before = member
        member.role = role
        if role == .audience {
            member.video = false
            member.audio = false
        }
        rooms[membership.key]?[membership.userId] = member
        media.setPublishing(session: session.id, audio: member.publishesAudio, video: member.publishesVideo)
        session.send(.ack(seq: seq))
        announceChange(from: before, to: member, in: membership.key)
    }

    mutating func publish(seq: UInt32, video: Bool?, audio: Bool?, session: SignalingSession) {
        guard let membership = memberships[session.id], var member = rooms[membership.key]?[membership.userId] else {
            session.send(.error(.refused("not in a room", seq: seq)))
            return
        }
        guard member.role == .anchor else {
            session.send(.error(.refused("an audience member cannot publish; switch to anchor first", seq: seq)))
            return
        }
        do {
            if video == true, !member.may(.sendVideo) { try Admission.require(.sendVideo, of: member.privileges ?? [], "send video") }
            if audio == true, !member.may(.sendAudio) { try Admission.require(.sendAudio, of: member.privileges ?? [], "send audio") }
        } catch {
            metrics.permissionRefusals.increment()
            session.send(.error(SignalingError(seq: seq, error)))
            return
        }
        let before = member
        if let video { member.video = video }
        if let audio { member.audio = audio }
        rooms[membership.key]?[membership.userId] = member
        media.setPublishing(session: session.id, audio: member.publishesAudio, video: member.publishesVideo)
        session.send(.ack(seq: seq))
        announceChange(from: before, to: member, in: membership.key)
    }

    // MARK: departure timeout

    /// Removes every member whose connection has been silent for longer than the departure timeout.
    mutating func sweep(now: Int64) {
        roomEntries.prune()
        let limit = configuration.departureTimeoutMs
        var expired: [Membership] = []
        for (key, members) in rooms {
            for member in members.values where now - member.session.lastSeen.load(ordering: .relaxed) > limit {
                expired.append(Membership(key: key, userId: member.userId))
            }
        }
        for membership in expired {
            guard let member = rooms[membership.key]?[membership.userId] else { continue }
            removeMember(membership, reason: .timedOut)
            metrics.timeouts.increment()
            // A connection that is open but silent is closed: its client will notice and come back.
            member.session.close(goingAway: true)
            logger.debug("departure timeout", metadata: ["room": "\(membership.key)", "user": "\(membership.userId)"])
        }
        // A connection that is in no room (never entered, or left) and has gone silent is closed as well: otherwise an
        // idle connection would hold its socket and memory for good.
        for session in sessions.values where memberships[session.id] == nil
            && !session.isRetired.load(ordering: .relaxed) && now - session.lastSeen.load(ordering: .relaxed) > limit {
            session.close(goingAway: true)
            logger.debug("idle connection closed", metadata: ["session": "\(session.id)"])
        }
    }

    // MARK: server API

    enum APIOutcome: Equatable { case done, roomNotExist }

    mutating func removeUsers(_ userIds: [String], from key: RoomKey) -> APIOutcome {
        guard let members = rooms[key] else { return .roomNotExist }
        for userId in userIds {
            guard let member = members[userId] else { continue }
            member.session.send(.exit(reason: .removedByServer, message: "removed from the room by the server API"))
            member.session.close()
            removeMember(Membership(key: key, userId: userId), reason: .removedByServer)
            metrics.kicksRemoved.increment()
            logger.debug("removed by API", metadata: ["room": "\(key)", "user": "\(userId)"])
        }
        return .done
    }

    /// Removes a room and returns its members' sessions, to be told and closed by the caller outside the lock.
    mutating func dismiss(_ key: RoomKey) -> [SignalingSession]? {
        guard let members = rooms.removeValue(forKey: key) else { return nil }
        for member in members.values {
            memberships[member.session.id] = nil
            media.revoke(session: member.session.id)
        }
        memberCount -= members.count
        metrics.users.decrement(by: Double(members.count))
        metrics.rooms.decrement()
        metrics.kicksDismissed.increment(by: Int64(members.count))
        releaseClaim(of: key)
        logger.info("room dismissed", metadata: ["room": "\(key)", "members": "\(members.count)"])
        return members.values.map(\.session)
    }

    // MARK: shutdown and stats

    mutating func shutdown() {
        isShuttingDown = true
        let payload = SignalingSession.payload(ServerMessage.shutdown(message: "server is shutting down"))
        for session in sessions.values {
            session.send(payload)
            session.close(goingAway: true)
        }
        logger.info("shutdown: told \(sessions.count) connections")
    }

    var stats: ServerStats { ServerStats(rooms: rooms.count, users: memberCount, connections: sessions.count) }

    // MARK: internals

    private mutating func removeMember(_ membership: Membership, reason: LeaveReason) {
        guard let member = rooms[membership.key]?.removeValue(forKey: membership.userId) else { return }
        memberships[member.session.id] = nil
        media.revoke(session: member.session.id)
        memberCount -= 1
        metrics.users.decrement()
        if rooms[membership.key]?.isEmpty == true {
            rooms[membership.key] = nil
            metrics.rooms.decrement()
            releaseClaim(of: membership.key)
        } else if member.isVisible {
            broadcast(.userLeave(userId: member.userId, reason: reason), in: membership.key, except: member.userId)
        }
    }

    /// The same userId entered again: the earlier client is told it was kicked; the others never saw the user
    /// leave, so they only hear about what differs (visibility, publishing).
    private mutating func displace(_ previous: RoomMember, by member: RoomMember, in key: RoomKey) {
        if previous.session.id != member.session.id {
            memberships[previous.session.id] = nil
            media.revoke(session: previous.session.id)
            previous.session.send(.exit(reason: .kickedByDuplicateUser, message: "the same userId entered the room from another client"))
            previous.session.close()
            metrics.kicksDuplicate.increment()
        }
        announceChange(from: previous, to: member, in: key)
    }

    /// Tells the others what changed about a member as they can see it.
    private func announceChange(from before: RoomMember?, to after: RoomMember, in key: RoomKey) {
        let wasVisible = before?.isVisible ?? false
        switch (wasVisible, after.isVisible) {
        case (false, true):
            broadcast(.userEnter(userId: after.userId, role: after.role), in: key, except: after.userId)
            if after.video { broadcast(.userVideo(userId: after.userId, available: true, ssrc: after.media.videoSsrc), in: key, except: after.userId) }
            if after.audio { broadcast(.userAudio(userId: after.userId, available: true, ssrc: after.media.audioSsrc), in: key, except: after.userId) }
        case (true, false):
            broadcast(.userLeave(userId: after.userId, reason: .switchedToAudience), in: key, except: after.userId)
        case (true, true):
            // A member that entered again from another client publishes with new SSRCs: announced like a change.
            if before?.video != after.video || (after.video && before?.media.videoSsrc != after.media.videoSsrc) {
                broadcast(.userVideo(userId: after.userId, available: after.video, ssrc: after.video ? after.media.videoSsrc : nil),
                          in: key, except: after.userId)
            }
            if before?.audio != after.audio || (after.audio && before?.media.audioSsrc != after.media.audioSsrc) {
                broadcast(.userAudio(userId: after.userId, available: after.audio, ssrc: after.audio ? after.media.audioSsrc : nil),
                          in: key, except: after.userId)
            }
        case (false, false):
            break
        }
    }

    private func broadcast(_ message: ServerMessage, in key: RoomKey, except userId: String) {
        guard let members = rooms[key] else { return }
        let payload = SignalingSession.payload(message)
        for member in members.values where member.userId != userId {
            member.session.send(payload)
        }
    }

    /// The member's grant: fresh SSRCs, or a browser's own (from its offer; nil if one is in use by another member).
    private func makeMediaGrant(credentials: ICECredentials, avoiding members: [String: RoomMember],
                                browser: BrowserOffer? = nil) -> MediaGrant? {
        // Collisions are rare (32-bit random values), so candidates are checked against the room, not kept in a set.
        // The member this one replaces (same userId) counts too: receivers tell a new session by its new SSRCs.
        func isUsed(_ ssrc: UInt32) -> Bool {
            members.values.contains { $0.media.audioSsrc == ssrc || $0.media.videoSsrc == ssrc }
        }
        func freshSsrc(besides other: UInt32 = 0) -> UInt32 {
            while true {
                // 0 is the server's own (its reports), 1 browsers' receive-only reports.
                let candidate = UInt32.random(in: 2...UInt32.max)
                if candidate != other && !isUsed(candidate) { return candidate }
            }
        }
        if let ssrc = browser?.audioSsrc, isUsed(ssrc) { return nil }
        if let ssrc = browser?.videoSsrc, isUsed(ssrc) { return nil }
        let audioSsrc = browser?.audioSsrc ?? freshSsrc(besides: browser?.videoSsrc ?? 0)
        let videoSsrc = browser?.videoSsrc ?? freshSsrc(besides: audioSsrc)
        // The bound port: with --media HOST:0 only the socket knows it (signaling waits until it is bound).
        var port = mediaEndpoint.port ?? UInt16(clamping: configuration.mediaPort)
        // No host unless announced or bound elsewhere than signaling: the client then uses the host it reached
        // signaling at, so nothing in the grant can point its media at a third party.
        var announcedMediaHost = ""
        if let announce = configuration.mediaAnnounce {
            announcedMediaHost = announce.host
            port = UInt16(clamping: announce.port)
        } else if !["0.0.0.0", "::", configuration.listenHost].contains(mediaEndpoint.host) {
            announcedMediaHost = mediaEndpoint.host
        }
        return MediaGrant(
            host: announcedMediaHost, port: port, ufrag: credentials.ufrag, password: credentials.password,
            fingerprint: media.certificate.fingerprint.description, audioSsrc: audioSsrc, videoSsrc: videoSsrc)
    }
}
