import Foundation
import Logging
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// A room member played by the test itself: signaling for a media grant, then its own UDP socket bound to the
/// server with the grant's token (docs/protocol.md §2), for sending hand-made RTP/RTCP and reading what arrives.
enum RawMediaMember {
    static func with<T: Sendable>(
        _ room: MediaRoom, userId: String, roomId: UInt32, video: Bool, audio: Bool,
        _ body: @escaping @Sendable (MediaGrant, UDPPeer) async throws -> T
    ) async throws -> T {
        let sig = UserSig.generate(sdkAppId: room.server.sdkAppId, userId: userId, secretKey: room.server.secretKey, expire: 600)
        return try await SignalingClient.withConnection(server: room.server.url, tls: room.server.trust, logger: Logger(label: "test")) { channel in
            channel.send(.enter(EnterRequest(seq: 1, sdkAppId: room.server.sdkAppId, userId: userId, userSig: sig,
                                             room: .numeric(roomId), scene: .rtc, role: .anchor, video: video, audio: audio)))
            // Bounded: a server that answers with something else and keeps the connection open must not hang the test.
            let grant = try await within(10) { () -> MediaGrant? in
                for try await message in channel.messages {
                    if case .entered(let entered) = message { return entered.media }
                }
                return nil
            }
            guard let media = grant else { throw TestFailure("\(userId) was not admitted") }
            let socket = try UDPPeer(host: media.host, port: media.port)
            defer { socket.close() }
            guard let token = MediaKeyframeTests.hexBytes(media.token) else { throw TestFailure("bad token \(media.token)") }
            var bound = false
            for _ in 0..<50 where !bound {
                socket.send(Array("TRTB".utf8) + [1] + token)
                bound = socket.receive(timeoutMs: 100).contains { $0.starts(with: Array("TRTA".utf8)) }
            }
            guard bound else { throw TestFailure("\(userId)'s UDP socket was never bound") }
            let result = try await body(media, socket)
            channel.send(.leave(seq: 2))
            return result
        }
    }
}
