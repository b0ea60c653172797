import Testing
import TrtcCodecs
import TrtcMediaTestSupport

/// `OpusPacket.hasInBandFEC` reads what libopus' encoder wrote: FEC data only when it is on and loss is expected.
@Suite struct OpusPacketTests {
    /// The LBRR flags of 50 packets of a tone (20 ms each) from an encoder with these settings.
    static func fecFlags(inbandFEC: Bool, lossPercent: Int) throws -> [Bool] {
        var configuration = OpusEncoderConfiguration()
        configuration.inbandFEC = inbandFEC
        configuration.expectedPacketLossPercent = lossPercent
        let encoder = try OpusEncoder(configuration: configuration)
        return try (0..<50).map { index in
            OpusPacket.hasInBandFEC(try encoder.encode(Tone.sine(frequency: 440, count: 960, startingAt: index * 960)).data)
        }
    }

    @Test func voicePacketsCarryFECOnlyWhenItIsOnAndLossIsExpected() throws {
        let protected = try Self.fecFlags(inbandFEC: true, lossPercent: 5)
        // The first packet has no frame before it to protect; from then on each carries its predecessor's copy.
        #expect(protected.dropFirst(2).allSatisfy { $0 }, "\(protected)")
        #expect(try Self.fecFlags(inbandFEC: true, lossPercent: 0).allSatisfy { !$0 })
        #expect(try Self.fecFlags(inbandFEC: false, lossPercent: 5).allSatisfy { !$0 })
    }

    @Test func celtOnlyAndMalformedPacketsCarryNone() {
        #expect(!OpusPacket.hasInBandFEC([]))
        #expect(!OpusPacket.hasInBandFEC([0xF8, 0xFF, 0xFF]))  // config 31: CELT-only, even with every bit set
        #expect(!OpusPacket.hasInBandFEC([0x0B]))  // SILK with no frame data
    }
}
