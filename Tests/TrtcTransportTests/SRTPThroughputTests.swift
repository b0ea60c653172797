import Testing
import TrtcTransport

/// Not a timed test: prints what protecting and unprotecting a 1200-byte RTP packet costs per profile (the SFU
/// does one unprotect per packet received and one protect per copy sent), and checks the work was real.
@Suite struct SRTPThroughputTests {
    @Test(arguments: SRTPProfile.allCases)
    func protectAndUnprotect1200BytePackets(profile: SRTPProfile) throws {
        let link = try MediaLink(clientProfiles: [profile])
        link.connect()
        try #require(link.client.isSecure && link.server.isSecure)
        let count = 20_000
        let template = TestPacket.rtp(sequenceNumber: 0, payloadLength: 1200 - 12)
        var buffer = template.buffer
        var protected: [[UInt8]] = []
        protected.reserveCapacity(count)
        let clock = ContinuousClock()

        var start = clock.now
        for index in 0..<count {
            buffer.withUnsafeMutableBytes { raw in
                template.buffer.withUnsafeBytes { raw.copyMemory(from: $0) }
                raw[2] = UInt8(truncatingIfNeeded: (index + 1) >> 8)
                raw[3] = UInt8(truncatingIfNeeded: index + 1)
                let length = try! link.client.protectRTP(raw.baseAddress!, length: template.length, capacity: raw.count)
                if index < 1000 { protected.append(Array(raw[..<length])) }
            }
        }
        let protectTime = clock.now - start

        var unprotected = 0
        start = clock.now
        for var packet in protected {
            packet.withUnsafeMutableBytes { raw in
                if (try? link.server.unprotectRTP(raw.baseAddress!, length: raw.count)) == template.length { unprotected += 1 }
            }
        }
        let unprotectTime = clock.now - start
        #expect(unprotected == protected.count)

        func nanoseconds(_ duration: Duration, _ packets: Int) -> Int {
            Int((duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000) / Int64(packets))
        }
        print("SRTP \(profile.rawValue), 1200-byte RTP: protect \(nanoseconds(protectTime, count)) ns/packet "
            + "(incl. copying the plaintext in), unprotect \(nanoseconds(unprotectTime, protected.count)) ns/packet")
    }
}
