// RTCP compound datagrams (SR, RR, NACK, PLI and the rest) as both ends read them, and the in-place header view
// the router uses. No input may trap; a compound that parses serializes to one that parses the same.
import FuzzSupport
import TrtcRTP

fuzz { bytes in
    let array = Array(bytes)
    if let view = RTCPHeaderView(bytes) {
        _ = (view.version, view.count, view.packetType, view.length, view.senderSSRC)
    }
    if case .rtcp(let header)? = RTPDatagramView(bytes) {
        _ = header.length
    }
    _ = RTCPPacket.isRTCP(array)
    guard let packets = try? RTCPPacket.parseCompound(array) else { return }
    let serialized = RTCPPacket.serializeCompound(packets)
    let again = try? RTCPPacket.parseCompound(serialized)
    fuzzExpect(again.map { $0.map(Meaning.init) } == packets.map(Meaning.init),
               "RTCP compound does not survive serialization: \(array.prefix(64))")
}

/// A packet as it is meant: a generic NACK asks for a set of sequence numbers, which serializing may list in another
/// order (a number already covered by an earlier entry's bitmask is folded into it).
enum Meaning: Equatable {
    case nack(sender: UInt32, media: UInt32, numbers: Set<UInt16>)
    case packet(RTCPPacket)

    init(_ packet: RTCPPacket) {
        if case .genericNACK(let nack) = packet {
            self = .nack(sender: nack.senderSSRC, media: nack.mediaSSRC, numbers: Set(nack.sequenceNumbers))
        } else {
            self = .packet(packet)
        }
    }
}
