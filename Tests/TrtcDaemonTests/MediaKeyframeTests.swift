import Foundation
import Glibc
import Logging
import Testing
import TrtcClient
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcHarnessTesting
import TrtcRTP

@Suite("trtcd media: an RTCP picture loss indication from a receiver gets a key frame", .serialized)
struct MediaKeyframeTests {
    @Test("a receiver bound to the server sends PLI for trtcd's video SSRC: the next recorded frame is a key frame")
    func keyframeOnPLI() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120),
                                        "fps": .uint32(15)])
            try await alice.enter("alice", room: .numeric(12), server: room.server)
            try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 5)
            let before = try Self.keyframes(room)
            #expect(before == 1, "only the starting key frame so far (interval 3000 frames)")
            let aliceSSRC = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)?.packets.first?.ssrc)

            // A second member, played by the test: signaling for a grant, then a bound UDP socket sending PLI.
            let keyframes = try await RawMediaMember.with(room, userId: "carol", roomId: 12, video: false, audio: false) { media, socket in
                let pli = RTCPPictureLossIndication(senderSSRC: media.videoSsrc, mediaSSRC: aliceSSRC).serialized()
                let deadline = ContinuousClock.now + .seconds(10)
                var count = before
                while count <= before && ContinuousClock.now < deadline {
                    socket.send(pli)
                    try await Task.sleep(for: .milliseconds(300))
                    count = try Self.keyframes(room)
                }
                return count
            }
            #expect(keyframes > before, "no key frame after PLI")
        }
    }

    static func keyframes(_ room: MediaRoom) throws -> Int {
        guard let video = try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8) else { return 0 }
        var depacketizer = VP8Depacketizer()
        var count = 0
        for packet in video.packets { count += try depacketizer.insert(packet).filter(\.isKeyframe).count }
        return count
    }

    static func hexBytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

/// A connected UDP socket for the test's own media client.
final class UDPPeer: Sendable {
    let fd: Int32

    init(host: String, port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host == "0.0.0.0" ? "127.0.0.1" : host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect failed") }
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Datagrams that arrive within `timeoutMs`.
    func receive(timeoutMs: Int32) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&descriptor, 1, datagrams.isEmpty ? timeoutMs : 0) > 0 {
            var buffer = [UInt8](repeating: 0, count: 2048)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            datagrams.append(Array(buffer[0..<count]))
        }
        return datagrams
    }

    func close() { Glibc.close(fd) }
}
