import Foundation

/// Reads what `pw-record --format f32` writes.
public enum WAVFile {
    /// The samples of a float WAV file: its "data" chunk as little-endian F32, whatever chunks come before it.
    public static func floatSamples(_ url: URL) throws -> [Float] {
        let bytes = [UInt8](try Data(contentsOf: url))
        func littleEndian32(_ index: Int) -> UInt32 {
            UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
        }
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(littleEndian32(offset + 4))
            if id == "data" {
                let end = min(bytes.count, offset + 8 + size)
                return stride(from: offset + 8, to: end - 3, by: 4).map { Float(bitPattern: littleEndian32($0)) }
            }
            offset += 8 + size + (size & 1)
        }
        return []
    }
}
