import Foundation
import TrtcClient
import TrtcCore

/// A trtc-server on loopback (a process, or one built in-process by a test) and what it serves over HTTP besides
/// the server API: Prometheus's /metrics and /healthz.
public protocol ServerHTTPEndpoint: Sendable {
    var port: Int { get }
    /// `http://127.0.0.1:PORT` or `https://…`.
    var httpBase: String { get }
    /// The CA file an `https` base is verified with.
    var caFile: String? { get }
}

extension ServerHTTPEndpoint {
    public var httpBase: String { "http://127.0.0.1:\(port)" }
    public var caFile: String? { nil }
}

/// What `GET /healthz` reports.
public struct ServerHealth: Sendable, Equatable {
    public var rooms: Int
    public var users: Int
    public var connections: Int
    /// Set when the server runs plaintext on a non-loopback address (`--insecure-plaintext`).
    public var warning: String?
}

extension ServerHTTPEndpoint {
    /// GET /metrics, as Prometheus would.
    public func metricsText() async throws -> String {
        String(decoding: try await get("/metrics"), as: UTF8.self)
    }

    /// The value of one sample of /metrics, e.g. `trtc_media_dropped_total{reason="unbound"}`; nil if absent.
    public func metricValue(_ sample: String) async throws -> Double? {
        try await metricsText().split(separator: "\n").first { $0.hasPrefix(sample + " ") }
            .flatMap { Double($0.dropFirst(sample.count + 1)) }
    }

    public func health() async throws -> ServerHealth {
        guard case .object(let fields) = try JSONCoding.parse(try await get("/healthz")) else {
            throw ProcessFailure("/healthz did not answer a JSON object")
        }
        func number(_ name: String) throws -> Int {
            guard case .integer(let value)? = fields[name] else { throw ProcessFailure("/healthz has no \(name)") }
            return Int(value)
        }
        let warning: String? = if case .string(let text)? = fields["warning"] { text } else { nil }
        return ServerHealth(rooms: try number("rooms"), users: try number("users"), connections: try number("connections"),
                            warning: warning)
    }

    /// GET /healthz as JSON (cluster mode adds a `cluster` object: lease, state, the nodes as last seen).
    public func healthJSON() async throws -> JSONValue {
        try JSONCoding.parse(try await get("/healthz"))
    }

    private func get(_ path: String) async throws -> [UInt8] {
        let response = try await HTTPExchange.perform(
            .GET, try ServerURL(httpBase + path), trust: try ServerTrust.trusting(caFile: caFile))
        guard response.status == 200 else { throw ProcessFailure("GET \(path) answered HTTP \(response.status)") }
        return response.body
    }
}
