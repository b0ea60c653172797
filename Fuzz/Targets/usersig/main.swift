// UserSig documents as trtc-server checks them at EnterRoom. The input is taken two ways: as the UserSig text itself
// (base64 variant, zlib stream), and as the inflated JSON document, compressed and encoded here so that the fuzzer
// reaches the document reader without having to produce a valid zlib stream.
@testable import TrtcCore
import FuzzSupport

fuzz { bytes in
    let raw = String(decoding: bytes, as: UTF8.self)
    _ = try? UserSig.decode(raw)
    _ = try? UserSig.verify(raw, sdkAppId: 1_400_000_001, userId: "alice", secretKey: "secret", now: 1_700_000_000)
    let wrapped = TencentBase64.encode(Zlib.compress(Array(bytes)))
    if let document = try? UserSig.decode(wrapped) {
        _ = document.signedContent
        _ = document.expiresAt
    }
    _ = try? UserSig.verify(wrapped, sdkAppId: 1_400_000_001, userId: "alice", secretKey: "secret", now: 1_700_000_000)
}
