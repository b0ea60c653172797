import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TrtcCore

/// What `GET /healthz` reports.
struct ServerHealth: Sendable {
    var rooms: Int
    var users: Int
    var connections: Int
}

extension ServerProcess {
    func health() async throws -> ServerHealth {
        let url = URL(string: "http://\(endpoint)/healthz")!
        let (data, _) = try await URLSession.shared.data(from: url)
        guard case .object(let fields) = try JSONCoding.parse(Array(data)) else {
            throw BenchFailure("/healthz did not answer a JSON object")
        }
        func number(_ name: String) throws -> Int {
            guard case .integer(let value)? = fields[name] else { throw BenchFailure("/healthz has no \(name)") }
            return Int(value)
        }
        return ServerHealth(rooms: try number("rooms"), users: try number("users"), connections: try number("connections"))
    }
}

extension ServerProcess {
    /// The server's Prometheus counters that explain lost clients (timeouts, kicks, connections), for failure reports.
    func diagnosticMetrics() async -> String {
        guard let url = URL(string: "http://\(endpoint)/metrics"),
              let (data, _) = try? await URLSession.shared.data(from: url) else { return "(no /metrics)" }
        let wanted = ["trtc_departure_timeouts_total", "trtc_kicks_total", "trtc_signaling_connections", "trtc_users",
                      "trtc_joins_total", "trtc_signaling_messages_total", "trtc_signaling_bad_messages_total"]
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
            .filter { line in !line.hasPrefix("#") && wanted.contains { line.hasPrefix($0) } }
            .joined(separator: "\n")
    }
}
