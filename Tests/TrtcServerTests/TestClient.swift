import Foundation
import Logging
import Synchronization
import TrtcCore
import TrtcClient
import TrtcHarnessTesting

/// A signaling client for tests: records everything the server says, sends heartbeats once entered
/// (unless told not to), and offers waits with timeouts.
final class TestClient: Sendable {
    let channel: SignalingChannel
    private let received = Mutex<[ServerMessage]>([])
    private let ended = Mutex<Bool>(false)
    let heartbeatMs = Atomic<Int>(0)

    init(channel: SignalingChannel) {
        self.channel = channel
    }

    func pump() async {
        do {
            for try await message in channel.messages {
                received.withLock { $0.append(message) }
            }
        } catch {}
        ended.withLock { $0 = true }
    }

    func heartbeats() async {
        while !Task.isCancelled && !ended.withLock({ $0 }) {
            let interval = heartbeatMs.load(ordering: .relaxed)
            if interval > 0 { channel.send(.heartbeat) }
            try? await Task.sleep(for: .milliseconds(interval > 0 ? interval : 50))
        }
    }

    var isClosed: Bool { ended.withLock { $0 } }

    func send(_ message: ClientMessage) { channel.send(message) }

    /// The next message that is not hello or pong.
    func next(timeout: Duration = .seconds(10)) async throws -> ServerMessage {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let message: ServerMessage? = received.withLock { queue in
                while let first = queue.first {
                    queue.removeFirst()
                    switch first {
                    case .hello, .pong: continue
                    default: return first
                    }
                }
                return nil
            }
            if let message { return message }
            if isClosed { throw TestFailure("connection closed while waiting for a message") }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw TestFailure("no message within \(timeout)")
    }

    /// Asserts that nothing but hello/pong arrives for `duration`.
    func expectNothing(for duration: Duration = .milliseconds(300)) async throws {
        try await Task.sleep(for: duration)
        let pending = received.withLock { queue in queue.filter { if case .hello = $0 { false } else if case .pong = $0 { false } else { true } } }
        if !pending.isEmpty { throw TestFailure("unexpected messages: \(pending)") }
    }

    func waitClosed(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !isClosed {
            if ContinuousClock.now >= deadline { throw TestFailure("connection still open after \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @discardableResult
    func enter(_ userId: String, room: RoomName = .numeric(1), scene: Scene = .rtc, role: Role = .anchor,
               video: Bool = false, audio: Bool = false, userSig: String? = nil,
               sdkAppId: UInt32 = TestServer.sdkAppId, heartbeat: Bool = true,
               media: MediaOffer? = TestMedia.identity.offer) async throws -> ServerMessage.Entered {
        let request = EnterRequest(seq: channel.makeSeq(), sdkAppId: sdkAppId, userId: userId,
                                   userSig: userSig ?? TestServer.userSig(userId, sdkAppId: sdkAppId,
                                                                         key: sdkAppId == TestServer.sdkAppId ? TestServer.secretKey : TestServer.otherSecretKey),
                                   room: room, scene: scene, role: role, video: video, audio: audio, media: media)
        send(.enter(request))
        switch try await next() {
        case .entered(let entered):
            if heartbeat { heartbeatMs.store(entered.heartbeatMs, ordering: .relaxed) }
            return entered
        case let other:
            throw TestFailure("enter of \(userId) answered with \(other)")
        }
    }

    /// Sends a request and returns the server's answer (an ack or an error).
    func request(_ make: (UInt32) -> ClientMessage) async throws -> ServerMessage {
        send(make(channel.makeSeq()))
        return try await next()
    }
}

/// Runs `body` with `count` connected clients.
func withClients<T: Sendable>(_ count: Int, _ server: TestServer,
                              _ body: @escaping @Sendable ([TestClient]) async throws -> T) async throws -> T {
    if count == 0 { return try await body([]) }
    var logger = Logger(label: "test-client")
    logger.logLevel = .error
    return try await SignalingClient.withConnection(server: server.url, logger: logger) { channel in
        let client = TestClient(channel: channel)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await client.pump() }
            tasks.addTask { await client.heartbeats() }
            let result = try await withClients(count - 1, server) { rest in try await body([client] + rest) }
            channel.close()
            tasks.cancelAll()
            return result
        }
    }
}
