// privateMapKeys as trtc-server checks them at EnterRoom (docs/security.md H3). The input is taken three ways: as the
// key text; as the userbuf's bytes (the big-endian layout of Tencent's TLSSigAPIv2), which must encode back to the
// same value when they parse; and as a userbuf signed into a key here, so that the checks behind the signature
// (app, user, expiry, room) are reached.
@testable import TrtcCore
import FuzzSupport

fuzz { input in
    let bytes = Array(input)
    let raw = String(decoding: bytes, as: UTF8.self)
    _ = try? PrivateMapKey.decode(raw)
    _ = try? PrivateMapKey.verify(raw, sdkAppId: 1_400_000_001, userId: "alice", room: .numeric(1), secretKey: "secret",
                                  now: 1_700_000_000)
    if let userBuf = try? PrivateMapKeyUserBuf(bytes: bytes) {
        let again = try? PrivateMapKeyUserBuf(bytes: userBuf.bytes)
        fuzzExpect(again == userBuf, "a userbuf that parses does not encode to bytes that parse to it: \(userBuf)")
    }
    let signed = UserSig.generate(sdkAppId: 1_400_000_001, userId: "alice", secretKey: "secret", expire: 86_400,
                                  time: 1_700_000_000, userBuf: bytes)
    for room: RoomName in [.numeric(1), .string("room")] {
        _ = try? PrivateMapKey.verify(signed, sdkAppId: 1_400_000_001, userId: "alice", room: room, secretKey: "secret",
                                      now: 1_700_000_100)
    }
}
