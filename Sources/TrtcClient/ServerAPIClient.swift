import Foundation
import TrtcCore
import TrtcSignalingClient

/// Calls trtc-server's (or Tencent Cloud's) TRTC server API with TC3-HMAC-SHA256 signing.
public struct ServerAPIClient: Sendable {
    public static let version = "2019-07-22"

    public enum Outcome: Sendable, Equatable {
        case success(requestId: String)
        case failure(code: String, message: String, requestId: String)
    }

    public struct CallError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// `http://HOST:PORT`, `https://HOST:PORT` (or `HOST:PORT`).
    public let endpoint: URL
    public let secretId: String
    public let secretKey: String
    /// How an `https://` endpoint's certificate is verified.
    public let trust: ServerTrust
    private let target: ServerURL

    public init(endpoint: String, secretId: String, secretKey: String, trust: ServerTrust = .systemTrust) throws {
        let text = endpoint.contains("://") ? endpoint : "http://" + endpoint
        guard let url = URL(string: text), url.host != nil, url.scheme == "http" || url.scheme == "https",
              let target = try? ServerURL(text) else {
            throw CallError(description: "\(endpoint.debugDescription) is not an http(s) endpoint")
        }
        self.endpoint = url
        self.target = target
        self.secretId = secretId
        self.secretKey = secretKey
        self.trust = trust
    }

    var hostHeader: String { endpoint.port.map { "\(endpoint.host!):\($0)" } ?? endpoint.host! }

    /// Signs and sends one action. `timestamp` and `signingKey` may be overridden to exercise the server's checks.
    public func call(_ action: String, _ body: JSONValue, version: String = ServerAPIClient.version,
                     timestamp: Int? = nil, signingKey: String? = nil) async throws -> Outcome {
        try await call(action, payload: Array(JSONCoding.print(body).utf8), version: version,
                       timestamp: timestamp, signingKey: signingKey)
    }

    public func call(_ action: String, payload: [UInt8], version: String = ServerAPIClient.version,
                     timestamp: Int? = nil, signingKey: String? = nil) async throws -> Outcome {
        let time = timestamp ?? Int(Date().timeIntervalSince1970)
        let contentType = "application/json; charset=utf-8"
        let authorization = TC3.authorization(
            secretId: secretId, secretKey: signingKey ?? secretKey, service: "trtc", method: "POST", path: "/", query: "",
            headers: ["content-type": contentType, "host": hostHeader, "x-tc-action": action.lowercased()],
            payload: payload, timestamp: time)
        return try await send(payload: payload, headers: [
            "Content-Type": contentType, "X-TC-Action": action, "X-TC-Version": version,
            "X-TC-Timestamp": String(time), "X-TC-Region": "ap-guangzhou", "Authorization": authorization,
        ])
    }

    /// Sends a request with these headers (tests of malformed requests use it directly).
    public func send(payload: [UInt8], headers: [String: String]) async throws -> Outcome {
        let response = try await HTTPExchange.perform(
            .POST, target, headers: headers.sorted { $0.key < $1.key }, body: payload, trust: trust)
        guard response.status == 200 else { throw CallError(description: "server answered HTTP \(response.status)") }
        return try Self.parse(response.body)
    }

    package static func parse(_ data: [UInt8]) throws -> Outcome {
        guard let value = try? JSONCoding.parse(data, maxBytes: 1 << 20), case .object(let top) = value,
              case .object(let response)? = top["Response"] else {
            throw CallError(description: "the answer is not a Tencent Cloud API response")
        }
        let requestId: String = if case .string(let id)? = response["RequestId"] { id } else { "" }
        if case .object(let error)? = response["Error"] {
            let code: String = if case .string(let c)? = error["Code"] { c } else { "" }
            let message: String = if case .string(let m)? = error["Message"] { m } else { "" }
            return .failure(code: code, message: message, requestId: requestId)
        }
        return .success(requestId: requestId)
    }
}
