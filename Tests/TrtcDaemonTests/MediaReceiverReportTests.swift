import Foundation
import Logging
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcRTP

@Suite("trtcd media: receiver reports tell a sender what arrived", .serialized)
struct MediaReceiverReportTests {
    @Test("a member sends 100 audio packets, every 10th missing: trtcd's RTCP receiver report says 10 lost and the highest sequence number")
    func receiverReportCountsLoss() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.enter("alice", room: .numeric(15), server: room.server)

            let block = try await RawMediaMember.with(room, userId: "carol", roomId: 15, video: false, audio: true) { media, socket -> RTCPReportBlock? in
                try await alice.waitFor("UserAudioAvailable") { $0 == [.string("carol"), .boolean(true)] }

                let first: UInt16 = 65_500  // across the 16-bit wrap
                for index in 0..<100 where index % 10 != 5 {
                    let packet = try RTPPacket(payloadType: RTPPayloadType.opus, sequenceNumber: first &+ UInt16(index), timestamp: UInt32(index * 960),
                                               ssrc: media.audioSsrc, payload: [0xF8, 0xFF, 0xFE])
                    socket.send(packet.serialized())
                    try await Task.sleep(for: .milliseconds(20))
                }
                let highest = UInt32(1 << 16) + UInt32(first &+ 99)
                // Receiver reports come every 5 s; the first one after the last packet has the final count.
                var latest: RTCPReportBlock?
                let deadline = ContinuousClock.now + .seconds(12)
                while ContinuousClock.now < deadline, latest?.extendedHighestSequenceNumber != highest {
                    for datagram in socket.receive(timeoutMs: 500) where RTCPPacket.isRTCP(datagram) {
                        for case .receiverReport(let report) in (try? RTCPPacket.parseCompound(datagram)) ?? [] {
                            if let found = report.reportBlocks.first(where: { $0.ssrc == media.audioSsrc }) { latest = found }
                        }
                    }
                }
                return latest
            }
            let report = try #require(block, "no receiver report about carol's audio reached carol")
            #expect(report.extendedHighestSequenceNumber == UInt32(1 << 16) + UInt32(UInt16(65_500) &+ 99))
            #expect(report.cumulativeLost == 10)
            try await alice.exit()
        }
    }
}
