import CSystemd

/// sd_notify(3): readiness and status for systemd; does nothing outside a unit (no NOTIFY_SOCKET).
enum SystemdNotify {
    static func send(_ state: String) {
        _ = sd_notify(0, state)
    }
}
