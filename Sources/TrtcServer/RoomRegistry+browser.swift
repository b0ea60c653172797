import TrtcCore

/// Browser members (docs/protocol.md §3): an SDP offer at `enter` and later ones (`offer`) when the browser wants to
/// receive other streams; the server answers each. Runs as a change of the member's room like every room change, so
/// the SSRCs put in an answer are the room's current ones.
extension RoomRegistry {
    func renegotiate(seq: UInt32, sdp: String, streams requests: [StreamRequest], session: SignalingSession,
                     done: @escaping @Sendable () -> Void) {
        performAsMember(session, notMember: { session.sendError(.refused("not in a room", seq: seq)) }, done: done) {
            _, state, before in
            Self.renegotiate(seq: seq, sdp: sdp, streams: requests, member: before, members: &state.members)
        }
    }

    private static func renegotiate(seq: UInt32, sdp: String, streams requests: [StreamRequest], member before: RoomMember,
                                    members: inout [String: RoomMember]) {
        var member = before
        let session = member.session
        guard let browser = member.browser else {
            session.send(.error(.refused("offer is for members that entered with sdp (browsers)", seq: seq)))
            return
        }
        let offer: BrowserOffer
        do { offer = try BrowserOffer(sdp: sdp) } catch {
            session.send(.error(.badMessage("sdp: \(error.message)", seq: seq)))
            return
        }
        guard offer.ufrag == browser.ufrag, offer.fingerprint == browser.fingerprint else {
            session.send(.error(.badMessage("sdp: other ICE credentials or fingerprint than at enter (ICE restarts are not supported; enter again)", seq: seq)))
            return
        }
        guard offer.audioSsrc == browser.audioSsrc, offer.videoSsrc == browser.videoSsrc else {
            session.send(.error(.badMessage("sdp: the sending sections' SSRCs differ from those at enter", seq: seq)))
            return
        }
        // The media path renumbers with the first offer's payload types (MemberPayloadTypes), fixed for the session.
        var renumbered = browser.payloadTypes
        renumbered.audio = offer.payloadType(of: .audio).map(UInt8.init) ?? renumbered.audio
        renumbered.video = offer.payloadType(of: .video).map(UInt8.init) ?? renumbered.video
        guard renumbered == browser.payloadTypes else {
            session.send(.error(.badMessage("sdp: Opus or VP8 numbered differently than at enter (\(browser.payloadTypes.audio)/\(browser.payloadTypes.video))", seq: seq)))
            return
        }
        var streams: [String: BrowserAnswer.Stream] = [:]
        for request in requests {
            guard let kind = BrowserOffer.MediaKind(rawValue: request.kind) else {
                session.send(.error(.badMessage("streams: kind must be audio or video, not \(String(request.kind.prefix(16)).debugDescription)", seq: seq)))
                return
            }
            guard streams[request.mid] == nil else {
                session.send(.error(.badMessage("streams: mid \(String(request.mid.prefix(32)).debugDescription) is named twice", seq: seq)))
                return
            }
            guard let section = offer.sections.first(where: { $0.mid == request.mid }), section.kind == kind,
                  section.direction.receives else {
                session.send(.error(.badMessage("streams: section \(String(request.mid.prefix(32)).debugDescription) does not receive \(kind.rawValue)", seq: seq)))
                return
            }
            // A stream that is not there (any more) leaves its section inactive: the browser asked before it heard.
            guard request.userId != member.userId, let other = members[request.userId], other.isVisible else { continue }
            switch kind {
            case .audio where other.publishesAudio:
                streams[request.mid] = .init(userId: other.userId, kind: kind, ssrc: other.media.audioSsrc)
            case .video where other.publishesVideo:
                streams[request.mid] = .init(userId: other.userId, kind: kind, ssrc: other.media.videoSsrc)
            default:
                continue
            }
        }
        let answer: String
        do { answer = try browserAnswer(to: offer, for: &member, streams: streams, first: false) } catch {
            session.send(.error(.badMessage("sdp: \(error.message)", seq: seq)))
            return
        }
        members[member.userId] = member
        session.send(.answer(seq: seq, sdp: answer))
    }

    /// The answer to `offer` for `member` (whose grant is made), counting it in `member.browser`.
    static func browserAnswer(to offer: BrowserOffer, for member: inout RoomMember, streams: [String: BrowserAnswer.Stream],
                       first: Bool) throws(SDPError) -> String {
        if first {
            let host = member.media.host.isEmpty ? (member.session.localHost ?? "127.0.0.1") : member.media.host
            member.browser = BrowserPeer(ufrag: offer.ufrag, fingerprint: offer.fingerprint, audioSsrc: offer.audioSsrc,
                                         videoSsrc: offer.videoSsrc, host: host, answers: 0,
                                         payloadTypes: MemberPayloadTypes(offer),
                                         transportWideCC: offer.sections.contains { $0.transportWideCC })
        }
        guard var browser = member.browser else { throw SDPError("not a browser member") }
        let sdp = try BrowserAnswer(
            ufrag: member.media.ufrag, password: member.media.password, fingerprint: member.media.fingerprint,
            host: browser.host, port: member.media.port, sessionId: member.session.id, version: browser.answers + 1
        ).sdp(answering: offer, streams: streams)
        browser.answers += 1
        member.browser = browser
        return sdp
    }
}
