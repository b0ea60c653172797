// fuzz-dependencies: TrtcRTP
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
    fuzzExpect(again == packets, "RTCP compound does not survive serialization: \(array.prefix(64))")
}
