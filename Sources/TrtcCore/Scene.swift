/// TRTC application scene: `rtc` (everyone is announced) or `live` (only anchors are announced).
public enum Scene: String, Sendable, Codable, CaseIterable {
    case rtc
    case live
}
