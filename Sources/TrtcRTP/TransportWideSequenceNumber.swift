/// The transport-wide sequence number header extension (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2): one
/// 16-bit counter over every RTP packet a sender puts on one transport (audio, video, retransmissions), so the
/// receiver's feedback (`RTCPTransportFeedback`) can name each packet's arrival whatever its stream.
///
/// Written in the RFC 8285 one-byte form (profile 0xBEDE): `ID | L=1` then the number, big-endian, padded to a word.
public enum TransportWideSequenceNumber {
    /// The URI a browser's SDP names it by (`a=extmap:<id> <uri>`).
    public static let uri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    /// The one-byte extension ID trtcd and trtc-server use (docs/protocol.md §2; no negotiation on that path). 3 is
    /// also what Chrome and Firefox offer for this URI.
    public static let extensionID: UInt8 = 3
    static let oneByteProfile: UInt16 = 0xBEDE

    /// A serialized RTP packet with the number added: a new one-byte extension block when the packet has none, a new
    /// element appended to an existing one-byte block otherwise. Returns nil for bytes that are not an RTP packet
    /// this can extend (too short, another extension profile).
    public static func adding(_ number: UInt16, id: UInt8 = extensionID, to packet: [UInt8]) -> [UInt8]? {
        guard packet.count >= 12, packet[0] >> 6 == 2, (1...14).contains(id) else { return nil }
        let headerEnd = 12 + Int(packet[0] & 0x0F) * 4
        guard packet.count >= headerEnd else { return nil }
        let element: [UInt8] = [id << 4 | 1, UInt8(truncatingIfNeeded: number >> 8), UInt8(truncatingIfNeeded: number)]
        var result: [UInt8] = []
        result.reserveCapacity(packet.count + 8)
        if packet[0] & 0x10 == 0 {
            result.append(contentsOf: packet[0..<headerEnd])
            result[0] |= 0x10
            result.append(contentsOf: [0xBE, 0xDE, 0, 1])
            result.append(contentsOf: element)
            result.append(0)
            result.append(contentsOf: packet[headerEnd...])
            return result
        }
        guard packet.count >= headerEnd + 4 else { return nil }
        let profile = UInt16(packet[headerEnd]) << 8 | UInt16(packet[headerEnd + 1])
        let words = Int(packet[headerEnd + 2]) << 8 | Int(packet[headerEnd + 3])
        let dataStart = headerEnd + 4
        let dataEnd = dataStart + words * 4
        guard profile == oneByteProfile, packet.count >= dataEnd else { return nil }
        // The elements in use end before the trailing padding (zero bytes).
        var used = dataStart
        var index = dataStart
        while index < dataEnd {
            let byte = packet[index]
            if byte == 0 { index += 1; continue }
            if byte >> 4 == 15 { break }
            index += 1 + Int(byte & 0x0F) + 1
            used = index
        }
        guard used <= dataEnd else { return nil }
        var data = Array(packet[dataStart..<used]) + element
        while data.count % 4 != 0 { data.append(0) }
        result.append(contentsOf: packet[0..<headerEnd])
        result.append(contentsOf: [0xBE, 0xDE, UInt8(truncatingIfNeeded: (data.count / 4) >> 8), UInt8(truncatingIfNeeded: data.count / 4)])
        result.append(contentsOf: data)
        result.append(contentsOf: packet[dataEnd...])
        return result
    }

    /// The number in a serialized RTP packet, if it carries the extension with `id` (one- or two-byte form).
    public static func read(id: UInt8 = extensionID, from packet: some RandomAccessCollection<UInt8>) -> UInt16? {
        guard let offset = valueOffset(id: id, in: packet) else { return nil }
        let high = packet[packet.index(packet.startIndex, offsetBy: offset)]
        let low = packet[packet.index(packet.startIndex, offsetBy: offset + 1)]
        return UInt16(high) << 8 | UInt16(low)
    }

    /// Writes `number` over the one the serialized RTP packet `packet` carries with `id`, in place: the SFU numbers
    /// each receiver's packets with its own counter (docs/protocol.md §2). False, and nothing written, when the packet
    /// carries no such element: the SFU never inserts one (a packet's length and a resend's bytes stay the sender's).
    @discardableResult
    public static func overwrite(_ number: UInt16, id: UInt8 = extensionID, in packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard let offset = valueOffset(id: id, in: UnsafeRawBufferPointer(packet)) else { return false }
        packet[offset] = UInt8(truncatingIfNeeded: number >> 8)
        packet[offset + 1] = UInt8(truncatingIfNeeded: number)
        return true
    }

    /// Where the 2-byte value of the element `id` starts (from the packet's start), if the packet carries one.
    private static func valueOffset(id: UInt8, in bytes: some RandomAccessCollection<UInt8>) -> Int? {
        guard bytes.count >= 12 else { return nil }
        let start = bytes.startIndex
        func at(_ offset: Int) -> UInt8 { bytes[bytes.index(start, offsetBy: offset)] }
        guard at(0) >> 6 == 2, at(0) & 0x10 != 0 else { return nil }
        let headerEnd = 12 + Int(at(0) & 0x0F) * 4
        guard bytes.count >= headerEnd + 4 else { return nil }
        let profile = UInt16(at(headerEnd)) << 8 | UInt16(at(headerEnd + 1))
        let dataEnd = headerEnd + 4 + (Int(at(headerEnd + 2)) << 8 | Int(at(headerEnd + 3))) * 4
        guard bytes.count >= dataEnd else { return nil }
        var index = headerEnd + 4
        if profile == oneByteProfile {
            while index < dataEnd {
                let byte = at(index)
                if byte == 0 { index += 1; continue }
                let elementID = byte >> 4
                if elementID == 15 { return nil }
                let length = Int(byte & 0x0F) + 1
                if elementID == id {
                    guard length >= 2, index + 2 < dataEnd else { return nil }
                    return index + 1
                }
                index += 1 + length
            }
        } else if profile >> 4 == 0x100 {
            while index + 1 < dataEnd {
                let elementID = at(index)
                if elementID == 0 { index += 1; continue }
                let length = Int(at(index + 1))
                if elementID == id {
                    guard length >= 2, index + 3 < dataEnd else { return nil }
                    return index + 2
                }
                index += 2 + length
            }
        }
        return nil
    }
}
