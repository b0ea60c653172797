// RTP as trtc-server and trtcd take it off the media port: the in-place views the router classifies every datagram
// with, and the copying parser. No input may trap; the two must agree, and a parsed packet serializes back to
// bytes that parse to the same packet.
import FuzzSupport
import TrtcRTP

fuzz { bytes in
    let array = Array(bytes)
    let view = RTPHeaderView(bytes)
    if let view {
        _ = (view.version, view.marker, view.payloadType, view.sequenceNumber, view.timestamp, view.ssrc)
    }
    if case .rtp(let header)? = RTPDatagramView(bytes) {
        _ = header.headerSize
    }
    let packet = try? RTPPacket(parsing: array)
    fuzzExpect((view != nil) == (packet != nil), "RTPHeaderView and RTPPacket(parsing:) disagree on \(array.prefix(64))")
    guard let packet else { return }
    if let view {
        fuzzExpect(view.sequenceNumber == packet.sequenceNumber && view.ssrc == packet.ssrc
                   && view.payloadType == packet.payloadType && view.marker == packet.marker,
                   "RTPHeaderView reads other fields than RTPPacket")
    }
    let again = try? RTPPacket(parsing: packet.serialized())
    fuzzExpect(again == packet, "RTP packet does not survive serialization: \(array.prefix(64))")
}
