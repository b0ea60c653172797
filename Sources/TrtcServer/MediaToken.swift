import NIOCore

/// The 16-byte secret that binds a client's UDP address to its signaling session (docs/protocol.md §2).
/// Held as two words so the bind lookup hashes integers, not an array.
struct MediaToken: Hashable, Sendable {
    static let byteCount = 16

    let high: UInt64
    let low: UInt64

    static func random() -> MediaToken {
        var generator = SystemRandomNumberGenerator()
        return MediaToken(high: generator.next(), low: generator.next())
    }

    /// The 16 bytes at `offset` of a datagram, or nil if it is too short.
    init?(_ buffer: ByteBuffer, at offset: Int) {
        guard let high = buffer.getInteger(at: offset, endianness: .big, as: UInt64.self),
              let low = buffer.getInteger(at: offset + 8, endianness: .big, as: UInt64.self)
        else { return nil }
        self.init(high: high, low: low)
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lowercase hex digits, the form `entered.media.token` carries.
    var hex: String {
        func digits(_ word: UInt64) -> String {
            let text = String(word, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }
        return digits(high) + digits(low)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(high, endianness: .big)
        buffer.writeInteger(low, endianness: .big)
    }
}
