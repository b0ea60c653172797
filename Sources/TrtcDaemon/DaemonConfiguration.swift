import TrtcSignalingClient

/// What trtcd is told at start-up.
public struct DaemonConfiguration: Sendable {
    /// Default room server (`ws://HOST:PORT`), used when EnterRoom names none.
    public var server: String
    /// Bus address; nil means the session bus (DBUS_SESSION_BUS_ADDRESS).
    public var busAddress: String?
    /// How `wss://` servers are verified: the system trust store, or `--ca-file` / `TRTC_CA_FILE`.
    public var tls: ServerTrust

    public init(server: String = "ws://127.0.0.1:7800", busAddress: String? = nil, tls: ServerTrust = .systemTrust) {
        self.server = server
        self.busAddress = busAddress
        self.tls = tls
    }
}
