import NIOCore
import TrtcRTP

/// Uplink repair (issue 12 §5): the server is the receiver of each publisher's uplink. It asks the publisher for
/// video packets lost on the way to the server (generic NACK), so they are repaired on that hop and then forwarded
/// like any other packet, and it sends the publisher a receiver report every second. Decisions are `UplinkRepair`'s;
/// this carries them out on the media loop.
extension MediaDatagramHandler {
    /// How often NACK retries and receiver reports are looked at.
    static let uplinkTickInterval = TimeAmount.milliseconds(20)

    /// The media loop's clock for `UplinkRepair` (a duration since the first use; only differences matter, and
    /// jitter is computed from differences of arrival times).
    static var uplinkNow: Duration { ContinuousClock.now - uplinkEpoch }
    private static let uplinkEpoch = ContinuousClock.now

    /// An accepted (decrypted) RTP packet of `route`'s member.
    func repairUplink(_ plain: ByteBuffer, ssrc: UInt32, of route: MediaRoute, context: ChannelHandlerContext) {
        guard let sequence = plain.getInteger(at: plain.readerIndex + 2, endianness: .big, as: UInt16.self),
              let timestamp = plain.getInteger(at: plain.readerIndex + 4, endianness: .big, as: UInt32.self)
        else { return }
        let uplink = route.uplink
        if !uplink.isRegistered {
            uplink.isRegistered = true
            router.withTable { $0.noteUplink(route.session) }
        }
        let now = Self.uplinkNow
        if let transportSequence = TransportWideSequenceNumber.read(from: plain.readableBytesView) {
            uplink.transportFeedback.record(transportSequence, arrival: now)
        }
        if ssrc == route.admission.videoSsrc {
            let before = uplink.repair.counters
            let actions = uplink.repair.videoPacket(ssrc: ssrc, sequence: sequence, timestamp: timestamp, now: now)
            count(uplink.repair.counters, since: before)
            perform(actions, for: route, context: context)
        } else {
            uplink.repair.audioPacket(ssrc: ssrc, sequence: sequence, timestamp: timestamp, now: now)
        }
    }

    /// A bandwidth probe's padding-only packet (`ProbePaddingPacket`, on an SSRC not the member's own): its arrival
    /// goes into the transport feedback, the packet nowhere (it carries nothing). Returns whether it was one.
    func countProbe(_ plain: ByteBuffer, of route: MediaRoute) -> Bool {
        guard let ssrc = plain.getInteger(at: plain.readerIndex + 8, endianness: .big, as: UInt32.self),
              route.ownKind(ssrc) == nil,
              plain.withUnsafeReadableBytes({ ProbePaddingPacket.isPaddingOnly($0) })
        else { return false }
        if let transportSequence = TransportWideSequenceNumber.read(from: plain.readableBytesView) {
            route.uplink.transportFeedback.record(transportSequence, arrival: Self.uplinkNow)
        }
        metrics.probePackets.increment()
        return true
    }

    /// A video packet of `route`'s member that arrived but was dropped by its rate limit: not a loss, so the server
    /// must not ask for it again (that would only feed the limit more).
    func noteRateLimitedVideo(_ plain: ByteBuffer, of route: MediaRoute, context: ChannelHandlerContext) {
        guard route.admission.publishesVideo,
              plain.getInteger(at: plain.readerIndex + 8, endianness: .big, as: UInt32.self) == route.admission.videoSsrc
        else { return }
        repairUplink(plain, ssrc: route.admission.videoSsrc, of: route, context: context)
    }

    /// Retries due and reports due, for every publisher heard.
    func uplinkTick(context: ChannelHandlerContext) {
        let now = Self.uplinkNow
        let routes = router.withTable { table in table.uplinks.compactMap { table.routes[$0] } }
        for route in routes {
            let before = route.uplink.repair.counters
            let actions = route.uplink.repair.tick(now: now)
            count(route.uplink.repair.counters, since: before)
            perform(actions, for: route, context: context)
            sendTransportFeedback(for: route, now: now, context: context)
        }
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    private func perform(_ actions: [UplinkRepair.Action], for route: MediaRoute, context: ChannelHandlerContext) {
        guard !actions.isEmpty, let address = route.address else { return }
        let server = UplinkRepair.serverSSRC
        for action in actions {
            switch action {
            case .nack(let numbers):
                route.uplink.lastLoss = Self.uplinkNow
                let nack = RTCPGenericNACK(senderSSRC: server, mediaSSRC: route.admission.videoSsrc, sequenceNumbers: numbers)
                if sendProtected(ByteBuffer(bytes: nack.serialized()), isRTCP: true, to: address, connection: route.connection, context: context) {
                    metrics.uplinkNACKs.increment()
                    metrics.uplinkPacketsRequested.increment(by: Int64(numbers.count))
                }
            case .keyframeRequest:
                // Merged with the receivers' requests: one key frame per 300 ms whoever asks.
                guard route.feedback.admitKeyframeRequest(now: .now) else {
                    metrics.keyframeRequestsMerged.increment()
                    continue
                }
                let pli = RTCPPictureLossIndication(senderSSRC: server, mediaSSRC: route.admission.videoSsrc)
                if sendProtected(ByteBuffer(bytes: pli.serialized()), isRTCP: true, to: address, connection: route.connection, context: context) {
                    metrics.keyframeRequestsByServer.increment()
                }
            case .report(let blocks):
                guard let report = try? RTCPReceiverReport(ssrc: server, reportBlocks: blocks) else { continue }
                if sendProtected(ByteBuffer(bytes: report.serialized()), isRTCP: true, to: address, connection: route.connection, context: context) {
                    metrics.uplinkReports.increment()
                }
            }
        }
    }

    /// Transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01) about the publisher's uplink,
    /// every `TransportFeedbackGenerator.interval` while its packets carry the extension: its estimator's input.
    private func sendTransportFeedback(for route: MediaRoute, now: Duration, context: ChannelHandlerContext) {
        let mediaSSRC = route.admission.publishesVideo ? route.admission.videoSsrc : route.admission.audioSsrc
        let packets = route.uplink.transportFeedback.tick(now: now, senderSSRC: UplinkRepair.serverSSRC, mediaSSRC: mediaSSRC)
        guard !packets.isEmpty, let address = route.address else { return }
        for packet in packets {
            if sendProtected(ByteBuffer(bytes: packet.serialized()), isRTCP: true, to: address, connection: route.connection, context: context) {
                metrics.uplinkTransportFeedback.increment()
            }
        }
    }

    private func count(_ after: UplinkRepair.Counters, since before: UplinkRepair.Counters) {
        if after.repaired > before.repaired { metrics.uplinkRepaired.increment(by: Int64(after.repaired - before.repaired)) }
        if after.unrepaired > before.unrepaired { metrics.uplinkUnrepaired.increment(by: Int64(after.unrepaired - before.unrepaired)) }
    }
}
