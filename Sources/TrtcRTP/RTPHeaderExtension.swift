/// The RFC 3550 §5.3.1 header extension: a 16-bit profile-defined value and whole 32-bit words of data
/// (RFC 8285 one-/two-byte element lists live inside `data`).
public struct RTPHeaderExtension: Sendable, Equatable {
    public let profile: UInt16
    public let data: [UInt8]

    public init(profile: UInt16, data: [UInt8]) throws(RTPParseError) {
        guard data.count % 4 == 0, data.count / 4 <= Int(UInt16.max) else {
            throw .invalidLength("header extension data of \(data.count) bytes is not a whole number of 32-bit words")
        }
        self.profile = profile
        self.data = data
    }
}
