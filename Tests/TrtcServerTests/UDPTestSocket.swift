import NIOCore
import NIOPosix
import Synchronization
import TrtcCore
import TrtcHarnessTesting

/// A client-side UDP socket on loopback for media tests: sends datagrams, queues what arrives.
/// Bind answers ("TRTA") are queued apart, so a late answer to a repeated bind never looks like media.
final class UDPTestSocket: Sendable {
    private final class Inbox: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let datagrams = Mutex<[[UInt8]]>([])
        let bindAnswers = Mutex<[[UInt8]]>([])
        /// Every bind answer that ever arrived, also those taken from `bindAnswers` or discarded.
        let bindAnswersReceived = Atomic<Int>(0)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
            if bytes.starts(with: Array("TRTA".utf8)) {
                bindAnswers.withLock { $0.append(bytes) }
                bindAnswersReceived.add(1, ordering: .relaxed)
            } else {
                datagrams.withLock { $0.append(bytes) }
            }
        }
    }

    /// Bind datagrams sent by `bind(_:)` (it repeats them until answered, as clients do).
    let bindsSent = Atomic<Int>(0)
    /// Datagrams of any kind sent.
    private let datagramsSent = Atomic<Int>(0)

    /// How long a bind that must not be answered is given to be answered anyway: loopback answers take
    /// microseconds, so an answer that is coming arrives well within it, also on a loaded machine.
    static let unansweredBindWait = Duration.milliseconds(300)

    private let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func open() async throws -> UDPTestSocket {
        let inbox = Inbox()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return UDPTestSocket(channel: channel, inbox: inbox)
    }

    var port: Int { channel.localAddress?.port ?? 0 }

    func send(_ bytes: [UInt8], to port: UInt16, host: String = "127.0.0.1") async throws {
        let address = try SocketAddress(ipAddress: host, port: Int(port))
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)))
        datagramsSent.add(1, ordering: .relaxed)
    }

    func send(_ bytes: [UInt8], to grant: MediaGrant) async throws {
        try await send(bytes, to: grant.port, host: grant.host)
    }

    /// The next datagram, in arrival order.
    func receive(timeout: Duration = .seconds(2)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let next = inbox.datagrams.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if let next { return next }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw TestFailure("no datagram within \(timeout)")
    }

    /// Fails if anything arrives within `duration`.
    func expectNothing(for duration: Duration = .milliseconds(200)) async throws {
        try await Task.sleep(for: duration)
        let pending = inbox.datagrams.withLock { $0 }
        if !pending.isEmpty { throw TestFailure("\(pending.count) unexpected datagrams, first \(pending[0].prefix(16))") }
    }

    /// Runs `send`, which must send at least one datagram, waits `unansweredBindWait` and fails if a bind answer
    /// arrived meanwhile. Late answers still owed to repeats of earlier `bind(_:)` calls (one per bind datagram)
    /// are allowed for; queued answers to earlier binds are discarded.
    func expectNoBindAnswer(after send: () async throws -> Void) async throws {
        inbox.bindAnswers.withLock { $0.removeAll() }
        let answersBefore = inbox.bindAnswersReceived.load(ordering: .relaxed)
        let owed = max(0, bindsSent.load(ordering: .relaxed) - answersBefore)
        let sentBefore = datagramsSent.load(ordering: .relaxed)
        try await send()
        guard datagramsSent.load(ordering: .relaxed) > sentBefore else {
            throw TestFailure("expectNoBindAnswer: nothing was sent, so no answer could be missing")
        }
        try await Task.sleep(for: Self.unansweredBindWait)
        let answers = inbox.bindAnswersReceived.load(ordering: .relaxed) - answersBefore
        if answers > owed { throw TestFailure("\(answers - owed) unexpected bind answers") }
    }

    /// Sends the bind datagram of docs/protocol.md §2 until the server answers; returns the answer.
    @discardableResult
    func bind(_ grant: MediaGrant, timeout: Duration = .seconds(2)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try await send(Self.bindDatagram(token: grant.token), to: grant)
            bindsSent.add(1, ordering: .relaxed)
            let retry = ContinuousClock.now + .milliseconds(250)
            while ContinuousClock.now < retry {
                if let answer = inbox.bindAnswers.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return answer }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        throw TestFailure("no bind answer within \(timeout)")
    }

    static func bindDatagram(token: String, magic: String = "TRTB", version: UInt8 = 1) -> [UInt8] {
        Array(magic.utf8) + [version] + hexBytes(token)
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    func close() async {
        try? await channel.close()
    }
}

/// Runs `body` with `count` fresh UDP sockets, closed afterwards.
func withUDPSockets<T: Sendable>(_ count: Int, _ body: ([UDPTestSocket]) async throws -> T) async throws -> T {
    var sockets: [UDPTestSocket] = []
    for _ in 0..<count { sockets.append(try await UDPTestSocket.open()) }
    do {
        let result = try await body(sockets)
        for socket in sockets { await socket.close() }
        return result
    } catch {
        for socket in sockets { await socket.close() }
        throw error
    }
}
