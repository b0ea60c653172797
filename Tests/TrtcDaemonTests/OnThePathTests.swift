import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcHarnessTesting
import TrtcRTP

/// What an observer on the path sees of a real call: loopback captured with tcpdump while one trtcd publishes camera
/// and microphone to trtc-server and another receives them.
@Suite("on the path: a captured call shows handshakes and ciphertext, no media and no UserSig", .serialized)
struct OnThePathTests {
    @Test("tcpdump on lo during a published call: DTLS and STUN present, no RTP payload or UserSig in clear")
    func captureShowsNothingReadable() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let capture = try await PacketCapture.start(filter: "tcp port \(room.server.port) or udp")
            let sig = UserSig.generate(sdkAppId: room.server.sdkAppId, userId: "alice", secretKey: room.server.secretKey, expire: 3600)
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240)])
            try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
            try await bob.enter("bob", room: .numeric(21), server: room.server)
            try await alice.enter("alice", room: .numeric(21), server: room.server, extra: ["userSig": .string(sig)])
            try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 20)
            try await alice.exit()
            try await bob.exit()
            let segments = try await capture.stop()

            let udp = segments.filter(\.isUDP)
            let tcp = segments.filter { !$0.isUDP && !$0.payload.isEmpty }
            #expect(udp.count > 50, "a call happened: \(udp.count) datagrams")
            #expect(udp.contains { $0.payload.count > 8 && $0.payload[0] < 2 && Array($0.payload[4..<8]) == [0x21, 0x12, 0xA4, 0x42] },
                    "STUN connectivity checks")
            #expect(udp.contains { $0.payload.count > 13 && $0.payload[0] == 22 && $0.payload[1] == 0xFE && $0.payload[2] == 0xFD },
                    "a DTLS 1.2 handshake record")

            // What the server decrypted (its --record files) must appear nowhere on the wire at the same place.
            let video = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)).packets
            let audio = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.opus)).packets
            let plainChunks = Set((video + audio).map { $0.serialized() }.filter { $0.count >= 44 }.map { Array($0[12..<44]) })
            #expect(plainChunks.count > 20)
            let leaked = udp.filter { $0.payload.count >= 44 && plainChunks.contains(Array($0.payload[12..<44])) }
            #expect(leaked.isEmpty, "\(leaked.count) datagrams carry a payload as the server decrypted it")
            // The VP8 key frame start code follows the payload descriptor and the 3-byte frame tag; where, depends on the
            // descriptor's fields (PictureID, TL0PICIDX, TID) and the header's extensions (transport-wide numbers), so
            // the offset within the payload is taken from the recorded key frames, and looked for on the wire after
            // each datagram's own header (SRTP keeps the header, extensions included, in clear).
            let keyframeCode: [UInt8] = [0x9D, 0x01, 0x2A]
            let keyframeOffsets = Set(video.compactMap { packet -> Int? in
                let bytes = packet.serialized()
                guard let header = Self.rtpHeaderLength(bytes) else { return nil }
                return (header..<min(bytes.count - 3, header + 32)).first { Array(bytes[$0..<($0 + 3)]) == keyframeCode }.map { $0 - header }
            })
            #expect(!keyframeOffsets.isEmpty, "the check can see key frames")
            #expect(!udp.contains { datagram in
                guard datagram.payload.count > 12, datagram.payload[1] & 0x7F == RTPPayloadType.vp8,
                      let header = Self.rtpHeaderLength(datagram.payload) else { return false }
                return keyframeOffsets.contains { offset in
                    header + offset + 3 <= datagram.payload.count
                        && Array(datagram.payload[(header + offset)..<(header + offset + 3)]) == keyframeCode
                }
            }, "a VP8 key frame readable on the wire")

            // Signaling: each direction of each TCP connection is TLS records from its first byte to its last (a
            // client's WebSocket masking would hide the UserSig from a substring search, not from an observer), and
            // neither the UserSig nor protocol words appear anywhere.
            #expect(!tcp.isEmpty)
            var flows: [String: [UInt8]] = [:]
            for segment in tcp { flows["\(segment.sourcePort)>\(segment.destinationPort)", default: []] += segment.payload }
            for (flow, bytes) in flows {
                #expect(Self.isTLSRecords(bytes), "TCP \(flow): not TLS records throughout (\(bytes.prefix(8)))")
            }
            let stream = tcp.flatMap(\.payload)
            for secret in [sig, String(sig.prefix(24)), "userSig", "\"enter\"", "fingerprint"] {
                #expect(stream.firstRange(of: Array(secret.utf8)) == nil, "\(secret.prefix(30)) in clear on the signaling connection")
            }
        }
    }

    /// The length of an RTP header with its CSRCs and extension block (RFC 3550 §5.3.1), nil when it does not fit.
    static func rtpHeaderLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 12 else { return nil }
        var length = 12 + 4 * Int(bytes[0] & 0x0F)
        if bytes[0] & 0x10 != 0 {
            guard bytes.count >= length + 4 else { return nil }
            length += 4 + 4 * (Int(bytes[length + 2]) << 8 | Int(bytes[length + 3]))
        }
        return length <= bytes.count ? length : nil
    }

    /// Whether `bytes` is a sequence of whole TLS records (content type 20–23, version 3.x, length ≤ 2^14 + 2048).
    static func isTLSRecords(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            guard offset + 5 <= bytes.count, (20...23).contains(bytes[offset]), bytes[offset + 1] == 3 else { return false }
            let length = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
            guard length <= 16_384 + 2048 else { return false }
            offset += 5 + length
        }
        return offset == bytes.count && !bytes.isEmpty
    }
}
