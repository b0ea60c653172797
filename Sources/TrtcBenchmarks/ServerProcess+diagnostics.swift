import TrtcHarness

extension ServerProcess {
    /// The server's Prometheus counters that explain lost clients (timeouts, kicks, connections), for failure reports.
    func diagnosticMetrics() async -> String {
        guard let text = try? await metricsText() else { return "(no /metrics)" }
        let wanted = ["trtc_departure_timeouts_total", "trtc_kicks_total", "trtc_signaling_connections", "trtc_users",
                      "trtc_joins_total", "trtc_signaling_messages_total", "trtc_signaling_bad_messages_total"]
        return text.split(separator: "\n")
            .filter { line in !line.hasPrefix("#") && wanted.contains { line.hasPrefix($0) } }
            .joined(separator: "\n")
    }
}
