/// A server-API failure in Tencent Cloud API 3.0 terms: a code such as `InvalidParameter.RoomId` and a message.
struct APIError: Error, Sendable, Equatable {
    let code: String
    let message: String

    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    static func missing(_ field: String) -> APIError {
        APIError("MissingParameter.\(field)", "the required parameter \(field) is missing")
    }

    static func invalid(_ field: String, _ why: String) -> APIError {
        APIError("InvalidParameter.\(field)", why)
    }
}
