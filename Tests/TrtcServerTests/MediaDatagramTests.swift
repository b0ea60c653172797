import NIOCore
import Testing
@testable import TrtcServer
import TrtcRTP

/// The server's datagram classifier against what TrtcRTP (the client side) produces, and against junk.
@Suite struct MediaDatagramTests {
    static func classify(_ bytes: [UInt8]) -> MediaDatagram { MediaDatagram(ByteBuffer(bytes: bytes)) }

    @Test func acceptsWhatTheClientLibrarySends() throws {
        let plain = try RTPPacket(payloadType: RTPPayloadType.vp8, sequenceNumber: 1, timestamp: 2, ssrc: 0xDEAD_BEEF, payload: [1, 2, 3])
        #expect(Self.classify(plain.serialized()) == .rtp(ssrc: 0xDEAD_BEEF))
        let full = try RTPPacket(
            payloadType: RTPPayloadType.opus, marker: true, sequenceNumber: 9, timestamp: 3, ssrc: 42, csrcs: [7, 8],
            headerExtension: try RTPHeaderExtension(profile: 0xBEDE, data: [1, 2, 3, 4, 5, 6, 7, 8]),
            payload: Array(repeating: 9, count: 50), paddingLength: 4)
        #expect(Self.classify(full.serialized()) == .rtp(ssrc: 42))
        // Payload type 127 with the marker bit is 0xFF: RTP, not RTCP (RFC 5761 keeps 64…95 free for that).
        let highType = try RTPPacket(payloadType: 127, marker: true, sequenceNumber: 1, timestamp: 1, ssrc: 5, payload: [0])
        #expect(Self.classify(highType.serialized()) == .rtp(ssrc: 5))

        let report = RTCPPacket.serializeCompound([
            .receiverReport(try RTCPReceiverReport(ssrc: 77, reportBlocks: [])),
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 77, mediaSSRC: 99)),
        ])
        #expect(Self.classify(report) == .rtcp(senderSsrc: 77))
        let sdes = RTCPPacket.other(packetType: 202, count: 1, body: [0, 0, 0, 78, 1, 3, 97, 98, 99]).serialized()
        #expect(Self.classify(sdes) == .rtcp(senderSsrc: 78))
    }

    @Test func rejectsInconsistentFraming() throws {
        let good = try RTPPacket(payloadType: RTPPayloadType.vp8, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [4],
                                 headerExtension: try RTPHeaderExtension(profile: 1, data: [0, 0, 0, 0]), payload: [1]).serialized()
        #expect(Self.classify(good) == .rtp(ssrc: 3))
        var cases: [[UInt8]] = [[], [0x80], [0x80, RTPPayloadType.vp8, 0, 1], Array(good.prefix(11))]
        for cut in 12..<good.count - 1 { cases.append(Array(good.prefix(cut))) }  // CSRC or extension cut off
        var versionOne = good
        versionOne[0] = 0x40 | (good[0] & 0x3F)
        cases.append(versionOne)
        var badPadding = try RTPPacket(payloadType: RTPPayloadType.vp8, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [1, 2]).serialized()
        badPadding[0] |= 0x20
        badPadding[badPadding.count - 1] = 200  // more padding than bytes
        cases.append(badPadding)
        var zeroPadding = badPadding
        zeroPadding[zeroPadding.count - 1] = 0
        cases.append(zeroPadding)
        let report = RTCPPacket.serializeCompound([.receiverReport(try RTCPReceiverReport(ssrc: 77, reportBlocks: []))])
        cases.append(Array(report.prefix(4)))
        var longReport = report
        longReport[3] = 9  // claims 40 bytes
        cases.append(longReport)
        for bytes in cases {
            #expect(Self.classify(bytes) == .malformed, "\(bytes)")
        }
    }

    @Test func randomBytesNeverCrash() async {
        var generator = SystemRandomNumberGenerator()
        var seen = 0
        for round in 0..<3_000 {
            // Other suites' heartbeats share the few cooperative threads: never hold one for long.
            if round % 100 == 0 { await Task.yield() }
            let count = Int.random(in: 0...64, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !bytes.isEmpty, Bool.random(using: &generator) { bytes[0] = 0x80 | (bytes[0] & 0x3F) }  // version 2, often
            if case .malformed = Self.classify(bytes) { continue }
            seen += 1
        }
        #expect(seen > 0)
    }
}
