/// What trtcd is told at start-up.
public struct DaemonConfiguration: Sendable {
    /// Default room server (`ws://HOST:PORT`), used when EnterRoom names none.
    public var server: String
    /// Bus address; nil means the session bus (DBUS_SESSION_BUS_ADDRESS).
    public var busAddress: String?

    public init(server: String = "ws://127.0.0.1:7800", busAddress: String? = nil) {
        self.server = server
        self.busAddress = busAddress
    }
}
