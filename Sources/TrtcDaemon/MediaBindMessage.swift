/// The binding datagrams of docs/protocol.md §2: `"TRTB"` · version 1 · token (client → server) and
/// `"TRTA"` · version 1 · token (server → client), 21 bytes each.
enum MediaBindMessage {
    static let version: UInt8 = 1
    static let size = 21
    static let request: [UInt8] = Array("TRTB".utf8)
    static let answer: [UInt8] = Array("TRTA".utf8)

    /// The 16 token bytes of a grant's 32 hex digits, or nil if it is not that.
    static func tokenBytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for index in stride(from: 0, to: 32, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    static func bindRequest(token: [UInt8]) -> [UInt8] { request + [version] + token }

    static func isAnswer(_ datagram: UnsafeRawBufferPointer, token: [UInt8]) -> Bool {
        datagram.count == size && datagram.prefix(4).elementsEqual(answer) && datagram[4] == version
            && datagram.dropFirst(5).elementsEqual(token)
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
