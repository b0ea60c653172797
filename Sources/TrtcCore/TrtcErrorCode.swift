/// The TRTC error codes this system reports (values as in TRTC's own SDKs).
public enum TrtcErrorCode: Int32, Sendable, Codable, CaseIterable {
    case connectFailed = -3308
    case enterRoomParamNull = -3316
    case invalidSdkAppId = -3317
    case invalidRoomId = -3318
    case invalidUserId = -3319
    case invalidUserSig = -3320
    case refused = -3340
    /// ERR_TRTC_INVALID_PRIVATE_MAPKEY: the privateMapKey is missing where required, does not verify, or does not
    /// allow what was asked (enter, create the room, send audio or video).
    case invalidPrivateMapKey = -100006
    case userSigCheckFailed = -100018
}
