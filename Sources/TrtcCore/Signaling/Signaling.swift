/// Constants of the signaling protocol between trtcd and trtc-server (docs/protocol.md).
public enum Signaling {
    /// WebSocket path; the version is part of the path so a v2 can live beside v1.
    public static let path = "/trtc/v1/signal"
    public static let protocolVersion = 1
    /// Largest text message either side accepts.
    public static let maxMessageBytes = 16 * 1024
}
