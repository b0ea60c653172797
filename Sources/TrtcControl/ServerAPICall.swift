import Foundation
import TrtcClient
import TrtcCore

/// One signed server-API request and its outcome in trtcctl's terms: success prints, an API error is a refusal.
enum ServerAPICall {
    /// Sends `action`; returns the RequestId, or throws a ``CommandFailure`` naming the error code and message.
    static func perform(_ client: ServerAPIClient, _ action: String, _ body: JSONValue) async throws -> String {
        let outcome: ServerAPIClient.Outcome
        do {
            outcome = try await client.call(action, body)
        } catch {
            throw CommandFailure("\(action) at \(client.endpoint.absoluteString) failed: \(error)")
        }
        switch outcome {
        case .success(let requestId):
            return requestId
        case .failure(let code, let message, let requestId):
            throw CommandFailure("\(action): \(code): \(message) (RequestId \(requestId))")
        }
    }

    /// The body's `RoomId` and the action's name: numeric rooms use `action`, string rooms `action` + `ByStrRoomId`.
    static func roomFields(_ room: RoomName, action: String) -> (action: String, roomId: JSONValue) {
        switch room {
        case .numeric(let id): (action, .integer(Int64(id)))
        case .string(let id): (action + "ByStrRoomId", .string(id))
        }
    }
}
