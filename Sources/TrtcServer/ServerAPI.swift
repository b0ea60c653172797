import Foundation
import Logging
import TrtcCore

/// The server API (Tencent Cloud API 3.0 wire format, service `trtc`, version `2019-07-22`).
/// Every request gets a JSON answer with HTTP 200, whatever is wrong with it.
struct ServerAPI: Sendable {
    static let service = "trtc"
    static let version = "2019-07-22"

    let configuration: ServerConfiguration
    let registry: RoomRegistry
    let metrics: ServerMetrics
    let logger: Logger
    let requestGuard: APIRequestGuard

    /// A request as received: lowercased header names (the Host header included) and the raw body.
    struct Request: Sendable {
        var method: String
        var path: String
        var query: String
        var headers: [String: String]
        var body: [UInt8]
    }

    /// The JSON response body, and whether the request's signature verified (then the connection's answers are no
    /// longer limited to the bytes it sent: `AmplificationGuardHandler`).
    struct Answer: Sendable {
        var body: String
        var isSigned: Bool
    }

    func handle(_ request: Request, now: Int = Int(Date().timeIntervalSince1970)) async -> Answer {
        let requestId = UUID().uuidString.lowercased()
        let action = request.headers["x-tc-action"] ?? ""
        var isSigned = false
        do {
            try authenticate(request, now: now, verified: &isSigned)
            try await perform(action: action, request: request)
            metrics.apiOK.increment()
            logger.info("api", metadata: ["action": "\(action)", "request": "\(requestId)"])
            return Answer(body: JSONCoding.print(.object(["Response": .object(["RequestId": .string(requestId)])])), isSigned: true)
        } catch {
            metrics.apiFailed.increment()
            logger.info("api refused", metadata: ["action": "\(action)", "code": "\(error.code)", "error": "\(error.message)"])
            return Answer(body: JSONCoding.print(.object(["Response": .object([
                "Error": .object(["Code": .string(error.code), "Message": .string(error.message)]),
                "RequestId": .string(requestId),
            ])])), isSigned: isSigned)
        }
    }

    /// `verified` is set once the signature checked out, before the replay cache and the rate limit are asked.
    private func authenticate(_ request: Request, now: Int, verified: inout Bool) throws(APIError) {
        guard let rawTimestamp = request.headers["x-tc-timestamp"] else {
            throw APIError("AuthFailure.SignatureFailure", "the X-TC-Timestamp header is missing")
        }
        guard let timestamp = Int(rawTimestamp.trimmingCharacters(in: .whitespaces)) else {
            throw APIError("AuthFailure.SignatureFailure", "X-TC-Timestamp \(rawTimestamp.prefix(32).debugDescription) is not a unix time")
        }
        let secretId: String
        do {
            secretId = try TC3.verify(
                authorization: request.headers["authorization"], method: request.method, path: request.path,
                query: request.query, headers: request.headers, payload: request.body, timestamp: timestamp,
                now: now, service: Self.service, secretKey: { configuration.apiCredentials[$0] })
        } catch {
            switch error {
            case .missingAuthorization:
                throw APIError("AuthFailure.SignatureFailure", "the Authorization header is missing")
            case .malformedAuthorization(let why):
                throw APIError("AuthFailure.SignatureFailure", "the Authorization header is malformed: \(why)")
            case .secretIdNotFound(let id):
                throw APIError("AuthFailure.SecretIdNotFound", "SecretId \(id.prefix(64).debugDescription) is not known")
            case .signatureExpired:
                // As Tencent's message: the server's own time is not told (security L2).
                throw APIError("AuthFailure.SignatureExpire",
                               "X-TC-Timestamp \(timestamp) differs from the server's time by more than \(configuration.apiTimestampTolerance) s; check the client's clock")
            case .signatureMismatch:
                throw APIError("AuthFailure.SignatureFailure", "the signature does not match the request")
            }
        }
        verified = true
        // Verified, so the Authorization header parses and its signature is the request's. A signature is good for one
        // request, whatever action and version come with it: Tencent's SDKs sign only content-type and host, so the
        // action and version are not covered by the signature, and a sniffed request replayed under another action
        // (RemoveUser's body sent as DismissRoom) must be a replay too (security finding M1).
        let signature = (try? TC3Authorization(parsing: request.headers["authorization"] ?? ""))?.signature.lowercased() ?? ""
        try requestGuard.admit(secretId: secretId, signature: signature, timestamp: timestamp, now: now)
    }

    private func perform(action: String, request: Request) async throws(APIError) {
        let byString: Bool
        let dismiss: Bool
        switch action {
        case "RemoveUser": (byString, dismiss) = (false, false)
        case "RemoveUserByStrRoomId": (byString, dismiss) = (true, false)
        case "DismissRoom": (byString, dismiss) = (false, true)
        case "DismissRoomByStrRoomId": (byString, dismiss) = (true, true)
        case "": throw APIError("InvalidAction", "the X-TC-Action header is missing")
        default: throw APIError("InvalidAction", "action \(action.prefix(64).debugDescription) does not exist in trtc \(Self.version)")
        }
        let version = request.headers["x-tc-version"] ?? ""
        guard version == Self.version else {
            throw APIError("NoSuchVersion", "version \(version.prefix(32).debugDescription) of trtc does not exist; use \(Self.version)")
        }
        let body = try parseBody(request)
        let key = try roomKey(body, byString: byString)
        let users = dismiss ? [] : try userIds(body)
        var outcome: RoomRegistry.APIOutcome = dismiss ? await registry.dismiss(key) : await registry.removeUsers(users, from: key)
        // In a cluster a room that is not here may live on another node: the command runs there.
        if outcome == .roomNotExist, let cluster = registry.cluster {
            metrics.clusterCommandsForwarded.increment()
            outcome = try await cluster.forward(dismiss ? .dismiss : .removeUsers, room: key, userIds: users)
        }
        if outcome == .roomNotExist {
            throw APIError("FailedOperation.RoomNotExist", "room \(key.room) of SdkAppId \(key.sdkAppId) does not exist")
        }
    }

    private func parseBody(_ request: Request) throws(APIError) -> [String: JSONValue] {
        let contentType = request.headers["content-type"]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw APIError("InvalidParameter", "Content-Type must be application/json")
        }
        let value: JSONValue
        do {
            value = try JSONCoding.parse(request.body, maxBytes: configuration.maxAPIBodyBytes)
        } catch {
            throw APIError("InvalidParameter", "the request body is \(error.description)")
        }
        guard case .object(let fields) = value else {
            throw APIError("InvalidParameter", "the request body must be a JSON object")
        }
        return fields
    }

    private func roomKey(_ body: [String: JSONValue], byString: Bool) throws(APIError) -> RoomKey {
        guard let rawAppId = body["SdkAppId"], rawAppId != .null else { throw .missing("SdkAppId") }
        guard case .integer(let appIdValue) = rawAppId, let sdkAppId = try? Identifiers.sdkAppId(appIdValue) else {
            throw .invalid("SdkAppId", "SdkAppId must be an unsigned 32-bit integer greater than 0")
        }
        guard configuration.apps[sdkAppId] != nil else {
            throw APIError("UnauthorizedOperation.SdkAppId", "SdkAppId \(sdkAppId) is not an application of this server")
        }
        guard let rawRoom = body["RoomId"], rawRoom != .null else { throw .missing("RoomId") }
        let room: RoomName
        if byString {
            guard case .string(let text) = rawRoom else { throw .invalid("RoomId", "RoomId must be a string room id") }
            do {
                room = .string(try Identifiers.strRoomId(text))
            } catch {
                throw .invalid("RoomId", error.message)
            }
        } else {
            guard case .integer(let number) = rawRoom else { throw .invalid("RoomId", "RoomId must be an integer") }
            do {
                room = .numeric(try Identifiers.roomId(number))
            } catch {
                throw .invalid("RoomId", error.message)
            }
        }
        return RoomKey(sdkAppId: sdkAppId, room: room)
    }

    private func userIds(_ body: [String: JSONValue]) throws(APIError) -> [String] {
        guard let raw = body["UserIds"], raw != .null else { throw .missing("UserIds") }
        guard case .array(let items) = raw else { throw .invalid("UserIds", "UserIds must be an array of strings") }
        guard (1...10).contains(items.count) else {
            throw .invalid("UserIds", "UserIds must list 1 to 10 users, not \(items.count)")
        }
        var ids: [String] = []
        for item in items {
            guard case .string(let text) = item else { throw .invalid("UserIds", "UserIds must be an array of strings") }
            do {
                ids.append(try Identifiers.userId(text))
            } catch {
                throw .invalid("UserIds", error.message)
            }
        }
        return ids
    }
}
