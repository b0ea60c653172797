import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TrtcCore

/// A trtc-server on loopback (a process, or one built in-process by a test) and what it serves over HTTP besides
/// the server API: Prometheus's /metrics and /healthz.
public protocol ServerHTTPEndpoint: Sendable {
    var port: Int { get }
}

/// What `GET /healthz` reports.
public struct ServerHealth: Sendable, Equatable {
    public var rooms: Int
    public var users: Int
    public var connections: Int
}

extension ServerHTTPEndpoint {
    /// GET /metrics, as Prometheus would.
    public func metricsText() async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: httpURL("/metrics"))
        return String(decoding: data, as: UTF8.self)
    }

    /// The value of one sample of /metrics, e.g. `trtc_media_dropped_total{reason="unbound"}`; nil if absent.
    public func metricValue(_ sample: String) async throws -> Double? {
        try await metricsText().split(separator: "\n").first { $0.hasPrefix(sample + " ") }
            .flatMap { Double($0.dropFirst(sample.count + 1)) }
    }

    public func health() async throws -> ServerHealth {
        let (data, _) = try await URLSession.shared.data(from: httpURL("/healthz"))
        guard case .object(let fields) = try JSONCoding.parse(Array(data)) else {
            throw ProcessFailure("/healthz did not answer a JSON object")
        }
        func number(_ name: String) throws -> Int {
            guard case .integer(let value)? = fields[name] else { throw ProcessFailure("/healthz has no \(name)") }
            return Int(value)
        }
        return ServerHealth(rooms: try number("rooms"), users: try number("users"), connections: try number("connections"))
    }

    private func httpURL(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }
}
