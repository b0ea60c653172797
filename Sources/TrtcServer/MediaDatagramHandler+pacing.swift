import NIOCore
import TrtcRTP

/// Per-receiver pacing (`DownlinkPacer`): a receiver whose downlink is known to be narrow gets its packets at its
/// estimate, from one wake-up per media loop at the earliest deadline of all pacers holding packets.
extension MediaDatagramHandler {
    /// Writes `envelope` now, or queues it in `downlink`'s pacer while it paces. `transportNumber`: the receiver's
    /// transport-wide number it carries, whose send time its estimate learns when it leaves.
    func emit(_ envelope: AddressedEnvelope<ByteBuffer>, transportNumber: UInt16? = nil, pacedBy downlink: DownlinkLayers?,
              context: ChannelHandlerContext) {
        guard let downlink, downlink.pacer.rateBitsPerSecond != nil || !downlink.pacer.isEmpty else {
            // Unpaced, the common case: no PacedDatagram (it reads the SSRC from the bytes).
            write(envelope, transportNumber: transportNumber, leavingFor: downlink, context: context)
            return
        }
        let now = Self.uplinkNow
        let droppedBefore = downlink.pacer.dropped
        let datagram = PacedDatagram(envelope, transportNumber: transportNumber)
        if let leaving = downlink.pacer.enqueue(datagram, bytes: envelope.data.readableBytes, now: now) {
            write(leaving.envelope, transportNumber: leaving.transportNumber, leavingFor: downlink, context: context)
            return
        }
        metrics.pacedPackets.increment()
        let dropped = downlink.pacer.dropped - droppedBefore
        if dropped > 0 { metrics.pacerDroppedPackets.increment(by: Int64(dropped)) }
        pacedDownlinks[ObjectIdentifier(downlink)] = downlink
        scheduleDrain(at: now + .milliseconds(1), context: context)
    }

    private func write(_ envelope: AddressedEnvelope<ByteBuffer>, transportNumber: UInt16?, leavingFor downlink: DownlinkLayers?,
                       context: ChannelHandlerContext) {
        if let transportNumber {
            downlink?.estimate?.left(number: transportNumber, bytes: envelope.data.readableBytes, now: Self.uplinkNow)
        }
        context.write(wrapOutboundOut(envelope), promise: nil)
        needsFlush = true
    }

    private func scheduleDrain(at deadline: Duration, context: ChannelHandlerContext) {
        if let wake = pacingWake, wake.at <= deadline { return }
        pacingWake?.task.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let delay = max(deadline - Self.uplinkNow, .zero).components
        let task = context.eventLoop.scheduleTask(in: .nanoseconds(delay.seconds * 1_000_000_000 + delay.attoseconds / 1_000_000_000)) {
            let (handler, context) = loopBound.value
            handler.pacingWake = nil
            handler.drainPacers(context: context)
        }
        pacingWake = (task, deadline)
    }

    private func drainPacers(context: ChannelHandlerContext) {
        let now = Self.uplinkNow
        var next: Duration?
        for (key, downlink) in pacedDownlinks {
            let (send, due) = downlink.pacer.due(now: now)
            for datagram in send {
                write(datagram.envelope, transportNumber: datagram.transportNumber, leavingFor: downlink, context: context)
            }
            if let due {
                next = min(next ?? due, due)
            } else {
                pacedDownlinks[key] = nil
            }
        }
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        if let next { scheduleDrain(at: next, context: context) }
    }
}

/// A datagram waiting in a receiver's pacer, and the SSRC of the RTP stream it belongs to (nil: RTCP), so that a
/// stream's stale video can be dropped from the queue without its audio.
struct PacedDatagram {
    let envelope: AddressedEnvelope<ByteBuffer>
    let rtpSSRC: UInt32?
    let transportNumber: UInt16?

    init(_ envelope: AddressedEnvelope<ByteBuffer>, transportNumber: UInt16? = nil) {
        self.envelope = envelope
        self.transportNumber = transportNumber
        // SRTP leaves the RTP header in the clear; RTCP packet types 192–223 share the byte RTP's marker and payload
        // type are in (RFC 5761 §4).
        let data = envelope.data
        if data.readableBytes >= 12, let second = data.getInteger(at: data.readerIndex + 1, as: UInt8.self),
           !(192...223).contains(second) {
            rtpSSRC = data.getInteger(at: data.readerIndex + 8, as: UInt32.self)
        } else {
            rtpSSRC = nil
        }
    }
}
