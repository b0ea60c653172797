import Foundation
import TrtcCore

extension ServerAPI {
    /// The answer to a body over the limit: an API error like any other, the connection stays usable.
    func handleTooLarge(maxBytes: Int) async -> String {
        metrics.apiFailed.increment()
        return JSONCoding.print(.object(["Response": .object([
            "Error": .object([
                "Code": .string("InvalidParameter"),
                "Message": .string("the request body exceeds \(maxBytes) bytes"),
            ]),
            "RequestId": .string(UUID().uuidString.lowercased()),
        ])]))
    }
}
