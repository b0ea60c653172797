import Logging
import NIOCore
import TrtcRTP
import TrtcTransport

/// The media socket's pipeline (docs/protocol.md §2): demultiplexes by first byte (RFC 7983), answers connectivity
/// checks (ICE-lite), runs each member's DTLS handshake, and forwards SRTP hop by hop: a member's packet is
/// decrypted with its keys and a copy protected with each receiver's keys. Runs on the media event loop, which owns
/// the routing table and every connection; copies are flushed once per read burst (one sendmmsg).
final class MediaDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// Larger than any packet of the protocol (VP8 packets are ≤ 1200 bytes plus the SRTP tag) and below the
    /// receive slice size, so a truncated read is recognised as too large.
    static let maxDatagramBytes = 1500
    /// How often DTLS retransmission deadlines are looked at (OpenSSL's first one is 1 s).
    static let timerInterval = TimeAmount.milliseconds(20)

    let router: MediaRouter
    let metrics: MediaMetrics
    private let recorder: MediaRecorder?
    private let mirror: SocketAddress?
    private let logger: Logger
    var needsFlush = false
    private var timer: RepeatedTask?
    /// NACK retries and receiver reports towards publishers (MediaDatagramHandler+uplink.swift).
    private var uplinkTimer: RepeatedTask?
    /// Receivers whose pacer holds packets, and the wake-up that drains them (MediaDatagramHandler+pacing.swift).
    var pacedDownlinks: [ObjectIdentifier: DownlinkLayers] = [:]
    var pacingWake: (task: Scheduled<Void>, at: Duration)?

    init(router: MediaRouter, metrics: MediaMetrics, recorder: MediaRecorder?, mirror: SocketAddress?, logger: Logger) {
        self.router = router
        self.metrics = metrics
        self.recorder = recorder
        self.mirror = mirror
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.timerInterval, delay: Self.timerInterval) { _ in
            let (handler, context) = loopBound.value
            handler.retransmitDue(context: context)
        }
        uplinkTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.uplinkTickInterval, delay: Self.uplinkTickInterval) { _ in
            let (handler, context) = loopBound.value
            handler.uplinkTick(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        uplinkTimer?.cancel()
        uplinkTimer = nil
        pacingWake?.task.cancel()
        pacingWake = nil
        pacedDownlinks = [:]
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var bytes = envelope.data
        metrics.packetsIn.increment()
        metrics.bytesIn.increment(by: Int64(bytes.readableBytes))
        guard bytes.readableBytes <= Self.maxDatagramBytes else {
            metrics.drop(.tooLarge)
            return
        }
        let kind = bytes.withUnsafeReadableBytes { DatagramClass($0) }
        switch kind {
        case .stun: answerCheck(bytes, from: envelope.remoteAddress, context: context)
        case .dtls: receiveDTLS(bytes, from: envelope.remoteAddress, context: context)
        case .rtp, .rtcp: forward(&bytes, isRTCP: kind == .rtcp, from: envelope.remoteAddress, context: context)
        case .unknown: metrics.drop(.malformed)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket survives per-datagram errors (e.g. ICMP port unreachable from a client that went away).
        logger.debug("media socket error", metadata: ["error": "\(error)"])
    }

    // MARK: ICE-lite

    private func answerCheck(_ bytes: ByteBuffer, from address: SocketAddress, context: ChannelHandlerContext) {
        let ufrag = bytes.withUnsafeReadableBytes { ServerMediaConnection.localUfrag(ofBindingRequest: $0) }
        guard let ufrag, let route = router.withTable({ $0.route(forUfrag: ufrag) }), let peer = TransportAddress(address) else {
            metrics.drop(.unknownUfrag)
            return
        }
        let outcome = bytes.withUnsafeReadableBytes { route.connection.receiveSTUN($0, from: peer, now: .now) }
        switch outcome {
        case .drop(let reason):
            metrics.drop(MediaDropReason(reason))
        case .answer(let answer, let selected):
            metrics.checksAnswered.increment()
            if selected && route.address != address {
                router.withTable { $0.select(session: route.session, address: address) }
                metrics.boundSessions.set(Int64(router.withTable { $0.selectedCount }))
                logger.debug("media address selected", metadata: ["session": "\(route.session)", "address": "\(address)"])
            }
            send(answer, to: address, context: context)
        }
    }

    // MARK: DTLS

    private func receiveDTLS(_ bytes: ByteBuffer, from address: SocketAddress, context: ChannelHandlerContext) {
        guard let route = router.withTable({ $0.route(at: address) }) else {
            metrics.drop(.unconsented)
            return
        }
        let wasSecure = route.connection.isSecure
        let result = bytes.withUnsafeReadableBytes { route.connection.receiveDTLS($0, now: .now) }
        for datagram in result.outgoing { send(datagram, to: address, context: context) }
        router.withTable { $0.setHandshaking(route.session, route.connection.nextTimeout != nil) }
        switch result.event {
        case .connected(let profile)?:
            if !wasSecure { metrics.handshakes.increment() }
            logger.debug("media DTLS connected", metadata: ["session": "\(route.session)", "profile": "\(profile)"])
        case .failed(let reason)?:
            metrics.drop(.dtls)
            metrics.handshakeFailures.increment()
            logger.info("media DTLS handshake failed", metadata: ["session": "\(route.session)", "reason": "\(reason)"])
        case .closed?, nil:
            break
        }
    }

    /// Retransmits handshake flights whose deadline passed (lost datagrams).
    private func retransmitDue(context: ChannelHandlerContext) {
        let now = ContinuousClock.now
        let due = router.withTable { table in
            table.handshaking.compactMap { session -> MediaRoute? in
                guard let route = table.routes[session] else { return nil }
                guard let deadline = route.connection.nextTimeout else {
                    table.setHandshaking(session, false)
                    return nil
                }
                return deadline <= now ? route : nil
            }
        }
        for route in due {
            let flights = route.connection.handleTimeout(now: now)
            if let address = route.address {
                for datagram in flights { send(datagram, to: address, context: context) }
            }
        }
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    // MARK: SRTP

    private func forward(_ bytes: inout ByteBuffer, isRTCP: Bool, from address: SocketAddress, context: ChannelHandlerContext) {
        guard let route = router.withTable({ $0.route(at: address) }) else {
            metrics.drop(.unconsented)
            return
        }
        guard route.connection.isSecure else {
            metrics.drop(.notSecure)
            return
        }
        // In place: the buffer is this datagram's own slice (copied on write if the read buffer is shared).
        let plainLength: Int
        do {
            plainLength = try bytes.withUnsafeMutableReadableBytes { raw in
                isRTCP ? try route.connection.unprotectRTCP(raw.baseAddress!, length: raw.count)
                    : try route.connection.unprotectRTP(raw.baseAddress!, length: raw.count)
            }
        } catch {
            metrics.drop(MediaDropReason(unprotectError: error))
            return
        }
        guard route.ingress.admit(isRTCP: isRTCP, bytes: plainLength, now: .now) else {
            metrics.drop(.rateLimited)
            if !isRTCP { noteRateLimitedVideo(bytes, of: route, context: context) }
            return
        }
        bytes.moveWriterIndex(to: bytes.readerIndex + plainLength)
        if !isRTCP, countProbe(bytes, of: route) { return }
        if !isRTCP, route.admission.payloadTypes != .carried { Self.renumber(&bytes, route.admission.payloadTypes.carried) }
        let datagram = MediaDatagram(bytes)
        switch router.withTable({ $0.forwarding(from: route, datagram) }) {
        case .drop(let reason):
            metrics.drop(reason)
        case .forward(let forwarding):
            if isRTCP { return relayRTCP(bytes, from: route, forwarding, context: context) }
            var video: VideoPacket?
            if case .rtp(let ssrc) = datagram, ssrc == route.admission.videoSsrc,
               let sequence = bytes.getInteger(at: bytes.readerIndex + 2, endianness: .big, as: UInt16.self) {
                // A copy of its own: a slice would keep the whole receive buffer of its read burst alive.
                var kept = context.channel.allocator.buffer(capacity: bytes.readableBytes)
                kept.writeImmutableBuffer(bytes)
                route.videoCache.insert(kept, sequence: sequence)
                video = VideoPacket(bytes, ssrc: ssrc, sequenceNumber: sequence)
                if let layer = video?.layer {
                    route.publishedLayers.rates.add(layer: layer, bytes: bytes.readableBytes, now: Self.uplinkNow)
                }
            }
            fanOut(bytes, isRTCP: isRTCP, forwarding, video: video, context: context)
            if case .rtp(let ssrc) = datagram { repairUplink(bytes, ssrc: ssrc, of: route, context: context) }
            if case .rtp(let ssrc) = datagram {
                recorder?.record(bytes, recordingName: forwarding.recordingName, ssrc: ssrc)
                if let mirror, context.channel.isWritable {
                    context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: mirror, data: bytes)), promise: nil)
                    needsFlush = true
                }
            }
        }
    }

    /// A member's RTCP compound, every packet in it judged by what this member may say (security finding H5); nothing
    /// is passed to the whole room:
    /// - each packet's sender SSRC must be one of the member's own (or 1, which browsers' receive-only sections use,
    ///   for reports and feedback);
    /// - a sender report only for a stream it publishes now: passed (without report blocks) to the members that receive
    ///   that kind, and its time noted for the server's own receiver reports;
    /// - report blocks (of receiver and sender reports) only about a stream it receives — published now by another
    ///   member of its room, of a kind its privateMapKey lets it receive — each passed to that stream's publisher alone;
    /// - generic NACKs and PLIs only about video it receives: answered by the server (`answerFeedback`);
    /// - transport-wide feedback about the server's numbered packets to it: its downlink estimate's input;
    /// - nothing else (SDES, BYE, APP, other feedback) is relayed.
    /// The rest is dropped and counted (`trtc_media_rtcp_refused_total`); a compound that does not parse, whole.
    private func relayRTCP(_ plain: ByteBuffer, from sender: MediaRoute, _ forwarding: MediaForwarding,
                           context: ChannelHandlerContext) {
        guard let packets = try? RTCPPacket.parseCompound(Array(plain.readableBytesView)) else {
            metrics.drop(.malformed)
            return
        }
        let now = ContinuousClock.now
        /// The member's own SSRCs, and the one browsers' receive-only sections report from (never granted).
        func reportsAs(_ ssrc: UInt32) -> Bool { sender.ownKind(ssrc) != nil || ssrc == BrowserPeer.receiverReportSsrc }
        var feedback: [RTCPPacket] = []
        // Report blocks by publisher and reporting SSRC: one receiver report to each publisher.
        var reports: [ReportKey: (publisher: MediaRoute, blocks: [RTCPReportBlock])] = [:]
        func collect(_ blocks: [RTCPReportBlock], reporter: UInt32) {
            for block in blocks {
                guard let (publisher, kind) = router.withTable({ $0.publisher(ofStream: block.ssrc, in: sender.room) }),
                      publisher.session != sender.session, sender.receives(kind) else {
                    metrics.refuse(.notReceiving)
                    continue
                }
                reports[ReportKey(publisher: publisher.session, reporter: reporter), default: (publisher, [])].blocks.append(block)
                if kind == .video { adaptLayers(of: sender, to: block, publishedBy: publisher, context: context) }
            }
        }
        for packet in packets {
            switch packet {
            case .senderReport(let report):
                guard let kind = sender.ownKind(report.ssrc) else {
                    metrics.refuse(.foreignSSRC)
                    continue
                }
                if sender.publishes(kind),
                   let bare = try? RTCPSenderReport(ssrc: report.ssrc, ntpTimestamp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp,
                                                    packetCount: report.packetCount, octetCount: report.octetCount) {
                    sender.uplink.repair.senderReport(report, now: Self.uplinkNow)
                    var toReceivers = forwarding
                    toReceivers.kind = kind
                    fanOut(ByteBuffer(bytes: bare.serialized()), isRTCP: true, toReceivers, context: context)
                    if kind == .video {
                        // Each receiver's report about this SR gives its round trip (`DownlinkLayers.roundTrip`).
                        let leaves = Self.uplinkNow
                        for destination in forwarding.destinations where destination.session != sender.session && destination.receivesVideo {
                            destination.downlinkLayers.noteSenderReport(ssrc: report.ssrc, compact: report.ntpTimestamp.compact, now: leaves)
                        }
                    }
                } else {
                    metrics.refuse(.notPublishing)
                }
                collect(report.reportBlocks, reporter: report.ssrc)
            case .receiverReport(let report):
                guard reportsAs(report.ssrc) else {
                    metrics.refuse(.foreignSSRC)
                    continue
                }
                collect(report.reportBlocks, reporter: report.ssrc)
            case .genericNACK(let nack) where reportsAs(nack.senderSSRC):
                feedback.append(packet)
            case .pictureLossIndication(let pli) where reportsAs(pli.senderSSRC):
                feedback.append(packet)
            case .genericNACK, .pictureLossIndication:
                metrics.refuse(.foreignSSRC)
            case .transportFeedback(let transportFeedback) where sender.downlinkLayers.estimate != nil:
                // About the server's packets to this member, whatever SSRC it names: only its own estimate learns.
                takeDownlinkFeedback(transportFeedback, from: sender, context: context)
            case .other, .transportFeedback, .receiverEstimatedMaximumBitrate:
                metrics.refuse(.notRelayed)
            }
        }
        for (key, report) in reports {
            guard let address = report.publisher.address, report.publisher.connection.hasConsent(now: now),
                  let rr = try? RTCPReceiverReport(ssrc: key.reporter, reportBlocks: report.blocks) else { continue }
            _ = sendProtected(ByteBuffer(bytes: rr.serialized()), isRTCP: true, to: address,
                              connection: report.publisher.connection, context: context)
        }
        if !feedback.isEmpty { answerFeedback(feedback, from: sender, context: context) }
    }

    private struct ReportKey: Hashable {
        let publisher: UInt64
        let reporter: UInt32
    }

    /// Feedback (generic NACKs and PLIs: what receivers send on loss) is the server's to answer, within the asker's
    /// room and budget. NACKed packets in the publisher's cache are sent again to the asker (at most
    /// `FeedbackBudget.maxNACKNumbers` distinct numbers per NACK, within the asker's retransmission budget); the rest
    /// are asked of the publisher in a NACK of the server's making. PLIs for one publisher are merged: at most one per
    /// `FeedbackBudget.keyframeInterval` reaches it, and only it.
    private func answerFeedback(_ packets: [RTCPPacket], from asker: MediaRoute, context: ChannelHandlerContext) {
        guard let askerAddress = asker.address else { return }
        let now = ContinuousClock.now
        /// The publisher of the video `ssrc` names, if another member of the asker's room publishes it now.
        func videoOwner(_ ssrc: UInt32) -> MediaRoute? {
            guard let (owner, kind) = router.withTable({ $0.publisher(ofStream: ssrc, in: asker.room) }), kind == .video,
                  owner.session != asker.session else { return nil }
            return owner
        }
        for packet in packets {
            switch packet {
            case .genericNACK(let nack):
                // Feedback about video the asker may not receive is ignored: it gets no resends, the sender no request.
                guard asker.admission.receivesVideo else {
                    metrics.drop(.notPermitted)
                    continue
                }
                guard let owner = videoOwner(nack.mediaSSRC) else {
                    metrics.feedbackForUnknownStreams.increment()
                    continue
                }
                answer(nack, of: owner, to: asker, at: askerAddress, now: now, context: context)
            case .pictureLossIndication(let pli):
                guard asker.admission.receivesVideo else {
                    metrics.drop(.notPermitted)
                    continue
                }
                guard let owner = videoOwner(pli.mediaSSRC), let ownerAddress = owner.address else {
                    metrics.feedbackForUnknownStreams.increment()
                    continue
                }
                guard asker.downlinkLayers.keyframeRequestIsNew(ssrc: pli.mediaSSRC, now: Self.uplinkNow),
                      owner.feedback.admitKeyframeRequest(now: now) else {
                    metrics.keyframeRequestsMerged.increment()
                    continue
                }
                asker.downlinkLayers.keyframeRequested(ssrc: pli.mediaSSRC)
                if sendProtected(ByteBuffer(bytes: pli.serialized()), isRTCP: true, to: ownerAddress,
                                 connection: owner.connection, context: context) {
                    metrics.keyframeRequestsForwarded.increment()
                }
            default:
                continue
            }
        }
    }

    private func answer(_ nack: RTCPGenericNACK, of owner: MediaRoute, to asker: MediaRoute, at address: SocketAddress,
                        now: ContinuousClock.Instant, context: ChannelHandlerContext) {
        asker.downlinkLayers.noteNACK(ssrc: nack.mediaSSRC, nack.sequenceNumbers)
        var seen = Set<UInt16>()
        var missing: [UInt16] = []
        for asked in nack.sequenceNumbers where seen.count < FeedbackBudget.maxNACKNumbers && seen.insert(asked).inserted {
            // The asker numbers what it got without the layers it was not sent; the cache has the publisher's numbers.
            guard let sequence = asker.downlinkLayers.publisherSequenceNumber(ssrc: nack.mediaSSRC, asked) else { continue }
            guard asker.downlinkLayers.retransmissionHelps(ssrc: nack.mediaSSRC, asked: asked) else {
                metrics.retransmissionsNotHelping.increment()
                continue
            }
            guard let cached = owner.videoCache.packet(sequence) else {
                // Lost on the publisher's hop and already asked for by the server: it reaches everyone when it comes.
                if owner.uplink.repair.isRepairing(sequence) {
                    metrics.nacksCoveredByUplinkRepair.increment()
                } else {
                    missing.append(sequence)
                }
                continue
            }
            guard asker.feedback.spendRetransmission(now: now) else {
                metrics.retransmissionsOverBudget.increment()
                continue
            }
            var rewrite: RTPRewrite?
            if let video = VideoPacket(cached, ssrc: nack.mediaSSRC, sequenceNumber: sequence) {
                guard case .forward(let number, let pictureID) = video.decision(for: asker.downlinkLayers, in: cached, isRetransmission: true) else { continue }
                rewrite = RTPRewrite(payloadOffset: video.payloadOffset, sequenceNumber: number, pictureID: pictureID)
            }
            if sendProtected(cached, isRTCP: false, to: address, connection: asker.connection,
                             payloadTypes: asker.admission.payloadTypes, rewrite: rewrite, pacedBy: asker.downlinkLayers,
                             context: context) {
                metrics.retransmittedFromCache.increment()
            }
        }
        guard !missing.isEmpty, let ownerAddress = owner.address else { return }
        let forward = RTCPGenericNACK(senderSSRC: nack.senderSSRC, mediaSSRC: nack.mediaSSRC, sequenceNumbers: missing)
        if sendProtected(ByteBuffer(bytes: forward.serialized()), isRTCP: true, to: ownerAddress,
                         connection: owner.connection, context: context) {
            metrics.nacksForwarded.increment()
        }
    }

    /// Protects one packet for one receiver and queues it (counted); false if it could not be sent.
    func sendProtected(_ plain: ByteBuffer, isRTCP: Bool, to address: SocketAddress,
                               connection: ServerMediaConnection, payloadTypes: MemberPayloadTypes = .carried,
                               rewrite: RTPRewrite? = nil, pacedBy downlink: DownlinkLayers? = nil,
                               context: ChannelHandlerContext) -> Bool {
        guard connection.isSecure, context.channel.isWritable,
              let bytes = writeProtected(plain, isRTCP: isRTCP, to: address, connection: connection,
                                         payloadTypes: payloadTypes, rewrite: rewrite, pacedBy: downlink, context: context)
        else { return false }
        metrics.packetsOut.increment()
        metrics.bytesOut.increment(by: Int64(bytes))
        return true
    }

    /// An RTP packet's payload type changed by `renumber` (its marker bit kept).
    static func renumber(_ packet: inout ByteBuffer, _ renumber: (UInt8) -> UInt8) {
        guard let second = packet.getInteger(at: packet.readerIndex + 1, as: UInt8.self) else { return }
        packet.setInteger(second & 0x80 | renumber(second & 0x7F), at: packet.readerIndex + 1)
    }

    /// A copy of `plain` protected with `connection`'s keys, written (not flushed) to `address` — or, for a receiver
    /// (`downlink`) being paced, queued in its pacer; its size, or nil when protecting failed. The caller counts it.
    /// An RTP packet carries the receiver's own `payloadTypes`, and its own transport-wide sequence number when the
    /// receiver is numbered (`DownlinkEstimate`) and the packet carries the extension.
    private func writeProtected(_ plain: ByteBuffer, isRTCP: Bool, to address: SocketAddress,
                                connection: ServerMediaConnection, payloadTypes: MemberPayloadTypes = .carried,
                                rewrite: RTPRewrite? = nil, pacedBy downlink: DownlinkLayers? = nil,
                                context: ChannelHandlerContext) -> Int? {
        let capacity = plain.readableBytes + ServerMediaConnection.maxProtectionOverhead
        var copy = context.channel.allocator.buffer(capacity: capacity)
        let number = isRTCP ? nil : downlink?.estimate?.nextNumber
        var numbered = false
        do {
            try copy.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { raw in
                let length = plain.withUnsafeReadableBytes { source in
                    raw.copyMemory(from: source)
                    return source.count
                }
                if !isRTCP, payloadTypes != .carried, length > 1 {
                    raw[1] = raw[1] & 0x80 | payloadTypes.own(raw[1] & 0x7F)
                }
                if let rewrite {
                    VP8LayerForwarder.rewrite(UnsafeMutableRawBufferPointer(rebasing: raw[0..<length]), payloadOffset: rewrite.payloadOffset,
                                              sequenceNumber: rewrite.sequenceNumber, pictureID: rewrite.pictureID)
                }
                if let number {
                    numbered = TransportWideSequenceNumber.overwrite(number, in: UnsafeMutableRawBufferPointer(rebasing: raw[0..<length]))
                }
                return isRTCP ? try connection.protectRTCP(raw.baseAddress!, length: length, capacity: raw.count)
                    : try connection.protectRTP(raw.baseAddress!, length: length, capacity: raw.count)
            }
        } catch {
            return nil
        }
        if numbered { downlink?.estimate?.numbered() }
        emit(AddressedEnvelope(remoteAddress: address, data: copy), transportNumber: numbered ? number : nil,
             pacedBy: downlink, context: context)
        return copy.readableBytes
    }

    /// One protected copy per receiver with a live connection.
    /// Video (`video`) goes to each receiver as far as its temporal layers allow (`DownlinkLayers`), renumbered.
    private func fanOut(_ plain: ByteBuffer, isRTCP: Bool, _ forwarding: MediaForwarding, video: VideoPacket? = nil,
                        context: ChannelHandlerContext) {
        let now = ContinuousClock.now
        var sent: Int64 = 0
        var bytesSent: Int64 = 0
        for destination in forwarding.destinations where destination.session != forwarding.sender {
            guard destination.receives(forwarding.kind) else {
                metrics.drop(.notPermitted)
                continue
            }
            let connection = destination.connection
            guard connection.isSecure else { continue }
            guard connection.hasConsent(now: now) else {
                metrics.drop(.consentExpired)
                continue
            }
            // UDP has no use for a backlog: late media is worthless, so copies beyond the queue limit are dropped.
            guard context.channel.isWritable else {
                metrics.drop(.congested)
                continue
            }
            var rewrite: RTPRewrite?
            if let video {
                switch video.decision(for: destination.downlinkLayers, in: plain) {
                case .drop:
                    metrics.layerDroppedPackets.increment()
                    continue
                case .forward(let sequenceNumber, let pictureID):
                    if sequenceNumber != video.sequenceNumber || pictureID != nil {
                        rewrite = RTPRewrite(payloadOffset: video.payloadOffset, sequenceNumber: sequenceNumber, pictureID: pictureID)
                    }
                }
            }
            guard let bytes = writeProtected(plain, isRTCP: isRTCP, to: destination.address, connection: connection,
                                             payloadTypes: destination.payloadTypes, rewrite: rewrite,
                                             pacedBy: destination.downlinkLayers, context: context) else {
                logger.debug("media protect failed", metadata: ["session": "\(destination.session)"])
                continue
            }
            bytesSent += Int64(bytes)
            sent += 1
        }
        if sent > 0 {
            metrics.packetsOut.increment(by: sent)
            metrics.bytesOut.increment(by: bytesSent)
            needsFlush = true
        }
    }

    private func send(_ datagram: [UInt8], to address: SocketAddress, context: ChannelHandlerContext) {
        metrics.packetsOut.increment()
        metrics.bytesOut.increment(by: Int64(datagram.count))
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: datagram))), promise: nil)
        needsFlush = true
    }
}
