import NIOCore
import NIOPosix
import Synchronization
import Testing
import TrtcHarness
import TrtcNetLab

/// The userspace relay on real loopback sockets, in front of a UDP echo server: each client's datagrams reach the
/// server from an address of its own and the answers come back to that client; delays, seeded losses and outages are
/// applied per direction.
@Suite struct ImpairmentRelayTests {
    /// A loopback UDP socket that keeps what it receives (with the time), and optionally echoes it.
    final class Endpoint: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let echoes: Bool
        let received = Mutex<[(bytes: [UInt8], at: ContinuousClock.Instant)]>([])
        let senders = Mutex<Set<SocketAddress>>([])
        init(echoes: Bool) { self.echoes = echoes }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            received.withLock { $0.append((Array(envelope.data.readableBytesView), .now)) }
            senders.withLock { _ = $0.insert(envelope.remoteAddress) }
            if echoes { context.writeAndFlush(wrapOutboundOut(envelope), promise: nil) }
        }
    }

    static func open(_ endpoint: Endpoint) async throws -> any Channel {
        try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(endpoint) } }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    static func send(_ bytes: [UInt8], from channel: any Channel, to port: Int) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port),
                                                          data: ByteBuffer(bytes: bytes)))
    }

    @Test func eachClientGetsItsOwnAnswersAfterBothDelays() async throws {
        let server = Endpoint(echoes: true)
        let serverChannel = try await Self.open(server)
        let relay = try await ImpairmentRelay.start(port: serverChannel.localAddress!.port!, uplink: try ImpairmentProfile(parsing: "delay=30ms"),
                                                    downlink: try ImpairmentProfile(parsing: "delay=20ms"), seed: 1)
        let (a, b) = (Endpoint(echoes: false), Endpoint(echoes: false))
        let (aChannel, bChannel) = (try await Self.open(a), try await Self.open(b))
        let sent = ContinuousClock.now
        for index in 0..<5 {
            try await Self.send([0xA0 + UInt8(index)], from: aChannel, to: relay.port)
            try await Self.send([0xB0 + UInt8(index)], from: bChannel, to: relay.port)
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(a.received.withLock { $0.map(\.bytes) } == (0..<5).map { [0xA0 + UInt8($0)] })
        #expect(b.received.withLock { $0.map(\.bytes) } == (0..<5).map { [0xB0 + UInt8($0)] })
        #expect(server.senders.withLock { $0.count } == 2, "one upstream address per client")
        let firstAnswer = try #require(a.received.withLock { $0.first?.at })
        #expect(firstAnswer - sent >= .milliseconds(50), "30 ms up + 20 ms down")
        try await relay.close()
        for channel in [serverChannel, aChannel, bChannel] { try await channel.close() }
    }

    @Test("the relay counts the RTP it delivered per client and SSRC: the link's losses are the numbers missing; RTCP is not counted")
    func deliveredRTPIsCountedPerStream() async throws {
        let server = Endpoint(echoes: true)
        let serverChannel = try await Self.open(server)
        let relay = try await ImpairmentRelay.start(port: serverChannel.localAddress!.port!, uplink: try ImpairmentProfile(parsing: "loss=20%"),
                                                    seed: 3)
        let client = Endpoint(echoes: false)
        let clientChannel = try await Self.open(client)
        for sequence in 0..<100 {
            let rtp: [UInt8] = [0x80, 96, 0, UInt8(sequence), 0, 0, 0, 0, 0xAB, 0xCD, 0, 1, 0x10]
            try await Self.send(rtp, from: clientChannel, to: relay.port)
        }
        try await Self.send([0x80, 201, 0, 1, 0, 0, 0, 1], from: clientChannel, to: relay.port)  // an RTCP receiver report
        try await Task.sleep(for: .milliseconds(200))
        let lost = try await relay.statistics(.uplink).dropped[.loss, default: 0]
        let up = try #require(try await relay.deliveredRTP(.uplink).first)
        #expect(up.stream.ssrc == 0xABCD_0001 && up.stream.payloadType == 96)
        #expect(up.client == "\(clientChannel.localAddress!)" || up.client.hasSuffix(":\(clientChannel.localAddress!.port!)"))
        // The first and last may be lost too: missing counts only between the first and last delivered.
        #expect(up.stream.distinct == server.received.withLock { $0.count { $0.bytes.count > 8 } })
        #expect(up.stream.missing <= lost && up.stream.missing >= lost - 4)
        let down = try await relay.deliveredRTP(.downlink)
        #expect(down.first?.stream.distinct == up.stream.distinct, "the echoes came back through the clean downlink")
        try await relay.close()
        for channel in [serverChannel, clientChannel] { try await channel.close() }
    }

    @Test func lossesAreTheModelsForTheSameSeedAndOutagesLoseEverything() async throws {
        let server = Endpoint(echoes: false)
        let serverChannel = try await Self.open(server)
        let profile = try ImpairmentProfile(parsing: "loss=30%")
        let relay = try await ImpairmentRelay.start(port: serverChannel.localAddress!.port!, uplink: profile, seed: 9)
        let client = Endpoint(echoes: false)
        let clientChannel = try await Self.open(client)
        for index in 0..<100 {
            try await Self.send([UInt8(index)], from: clientChannel, to: relay.port)
            try await Task.sleep(for: .milliseconds(1))
        }
        try await Task.sleep(for: .milliseconds(200))
        // The same seed and the same packets: exactly the model's decisions.
        var model = ImpairedLink(profile, seed: 9)
        let expected = (0..<100).filter { _ in if case .deliver = model.send(bytes: 1, at: .zero) { true } else { false } }.map { [UInt8($0)] }
        #expect(server.received.withLock { $0.map(\.bytes) } == expected)
        #expect(try await relay.statistics(.uplink).dropped[.loss] == 100 - expected.count)

        try await relay.update(.uplink, .clean)
        try await relay.outage(for: .milliseconds(300))
        try await Self.send([200], from: clientChannel, to: relay.port)
        try await Task.sleep(for: .milliseconds(400))
        try await Self.send([201], from: clientChannel, to: relay.port)
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.received.withLock { $0.suffix(1).map(\.bytes) } == [[201]], "200 went into the outage, 201 came after it")
        #expect(try await relay.statistics(.uplink).dropped[.outage] == 1)
        try await relay.close()
        for channel in [serverChannel, clientChannel] { try await channel.close() }
    }
}
