import Foundation
import Logging
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// A room member played by the test itself: signaling for a media grant, then its own media connection to the
/// server (ICE, DTLS, SRTP: docs/protocol.md §2), for sending hand-made RTP/RTCP and reading what arrives.
enum RawMediaMember {
    static func with<T: Sendable>(
        _ room: MediaRoom, userId: String, roomId: UInt32, video: Bool, audio: Bool, privateMapKey: String? = nil,
        _ body: @escaping @Sendable (MediaGrant, SecureMediaPeer) async throws -> T
    ) async throws -> T {
        let sig = UserSig.generate(sdkAppId: room.server.sdkAppId, userId: userId, secretKey: room.server.secretKey, expire: 600)
        let identity = try MediaPeerIdentity()
        return try await SignalingClient.withConnection(server: room.server.url, tls: room.server.trust, logger: Logger(label: "test")) { channel in
            channel.send(.enter(EnterRequest(seq: 1, sdkAppId: room.server.sdkAppId, userId: userId, userSig: sig,
                                             room: .numeric(roomId), scene: .rtc, role: .anchor, video: video, audio: audio,
                                             media: identity.offer, privateMapKey: privateMapKey)))
            // Bounded: a server that answers with something else and keeps the connection open must not hang the test.
            let grant = try await within(10) { () -> MediaGrant? in
                for try await message in channel.messages {
                    if case .entered(let entered) = message { return entered.media }
                }
                return nil
            }
            guard let media = grant else { throw TestFailure("\(userId) was not admitted") }
            let peer = try SecureMediaPeer(grant: media, identity: identity)
            defer { peer.close() }
            try peer.connect()
            let result = try await body(media, peer)
            channel.send(.leave(seq: 2))
            return result
        }
    }
}
