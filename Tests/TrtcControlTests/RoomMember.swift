import Foundation
import Logging
import Synchronization
import TrtcClient
import TrtcCore
import TrtcHarnessTesting

/// A user in a room over a real signaling connection (TrtcClient), recording what the server tells it.
final class RoomMember: Sendable {
    let userId: String
    let channel: SignalingChannel
    private let received = Mutex<[ServerMessage]>([])

    init(userId: String, channel: SignalingChannel) {
        self.userId = userId
        self.channel = channel
    }

    var messages: [ServerMessage] { received.withLock { $0 } }

    func pump() async {
        do {
            for try await message in channel.messages {
                received.withLock { $0.append(message) }
            }
        } catch {}
    }

    /// Waits for a message that `match` accepts.
    @discardableResult
    func waitFor<T>(_ what: String, timeout: Duration = .seconds(5), _ match: (ServerMessage) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = messages.lazy.compactMap(match).first { return found }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("\(userId) got no \(what) within \(timeout); got \(messages)")
    }

    func waitForExit() async throws -> ExitReason {
        try await waitFor("exit") { if case .exit(let reason, _) = $0 { reason } else { nil } }
    }

    func waitForLeave(of user: String) async throws -> LeaveReason {
        try await waitFor("userLeave of \(user)") { message in
            if case .userLeave(let userId, let reason) = message, userId == user { reason } else { nil }
        }
    }
}

/// Runs `body` with users `userIds` in `room` of `server`, each on its own signaling connection.
func withMembers<T: Sendable>(_ userIds: [String], in room: RoomName, on server: RoomServer,
                              _ body: @escaping @Sendable ([RoomMember]) async throws -> T) async throws -> T {
    guard let userId = userIds.first else { return try await body([]) }
    var logger = Logger(label: "trtcctl-test-member")
    logger.logLevel = .critical
    return try await SignalingClient.withConnection(server: server.url, tls: server.process.trust, logger: logger) { channel in
        let member = RoomMember(userId: userId, channel: channel)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await member.pump() }
            let userSig = UserSig.generate(sdkAppId: RoomServer.sdkAppId, userId: userId, secretKey: RoomServer.secretKey)
            channel.send(.enter(EnterRequest(seq: channel.makeSeq(), sdkAppId: RoomServer.sdkAppId, userId: userId,
                                             userSig: userSig, room: room)))
            try await member.waitFor("entered") { if case .entered = $0 { true } else { nil } }
            let result = try await withMembers(Array(userIds.dropFirst()), in: room, on: server) { others in
                try await body([member] + others)
            }
            channel.close()
            tasks.cancelAll()
            return result
        }
    }
}
