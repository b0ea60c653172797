import Synchronization
import TrtcClient
import TrtcCore

/// Numbers the benchmark's API requests, so that none is byte-identical to another.
final class RequestSerial: Sendable {
    private let next = Atomic<Int>(0)
    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}

extension ServerAPIClient {
    /// `call`, with trailing spaces (insignificant in JSON) that make the payload, and so the signature, unique:
    /// trtc-server refuses a byte-identical request as a replay, and a benchmark calls faster than once a second.
    func callUnique(_ action: String, _ body: JSONValue, serial: RequestSerial) async throws -> Outcome {
        let spaces = serial.take() % 4096
        let payload = Array(JSONCoding.print(body).utf8) + [UInt8](repeating: 0x20, count: spaces)
        return try await call(action, payload: payload)
    }
}
