extension TransportWideSequenceNumber {
    /// The most `stamp` lengthens a packet: a new one-byte extension block (4 bytes of header, 4 of data).
    public static let maximumGrowth = 8

    /// Writes `number` into the serialized RTP packet `buffer[0..<length]`, in place (the SFU numbers every packet it
    /// sends a receiver, over the publisher's number): over the packet's element with `id` when it has one, else as a
    /// new element — in the one-byte block's padding, appended to that block, or in a new block when the packet has
    /// no extension — moving the payload back. `buffer` must have room for `maximumGrowth` more bytes. Returns the
    /// packet's new length, or nil when it cannot carry the number (not RTP, a two-byte block without the element,
    /// another profile, no room); the bytes are then unchanged.
    public static func stamp(_ number: UInt16, id: UInt8 = extensionID, in buffer: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        guard length >= 12, length <= buffer.count, buffer[0] >> 6 == 2, (1...14).contains(id) else { return nil }
        let headerEnd = 12 + Int(buffer[0] & 0x0F) * 4
        guard length >= headerEnd else { return nil }
        let high = UInt8(truncatingIfNeeded: number >> 8)
        let low = UInt8(truncatingIfNeeded: number)
        func moveTail(from start: Int, by growth: Int) -> Bool {
            guard length + growth <= buffer.count else { return false }
            if length > start {
                let base = buffer.baseAddress!
                (base + start + growth).copyMemory(from: base + start, byteCount: length - start)
            }
            return true
        }
        if buffer[0] & 0x10 == 0 {
            guard moveTail(from: headerEnd, by: 8) else { return nil }
            buffer[0] |= 0x10
            for (offset, byte) in [0xBE, 0xDE, 0, 1, id << 4 | 1, high, low, 0].enumerated() { buffer[headerEnd + offset] = byte }
            return length + 8
        }
        guard length >= headerEnd + 4 else { return nil }
        let profile = UInt16(buffer[headerEnd]) << 8 | UInt16(buffer[headerEnd + 1])
        let words = Int(buffer[headerEnd + 2]) << 8 | Int(buffer[headerEnd + 3])
        let dataStart = headerEnd + 4
        let dataEnd = dataStart + words * 4
        guard length >= dataEnd else { return nil }
        if profile == oneByteProfile {
            var used = dataStart
            var index = dataStart
            while index < dataEnd {
                let byte = buffer[index]
                if byte == 0 { index += 1; continue }
                if byte >> 4 == 15 { return nil }  // "stop here": nothing can follow
                let elementLength = Int(byte & 0x0F) + 1
                if byte >> 4 == id {
                    guard elementLength == 2, index + 2 < dataEnd else { return nil }
                    buffer[index + 1] = high
                    buffer[index + 2] = low
                    return length
                }
                index += 1 + elementLength
                used = index
            }
            guard used <= dataEnd else { return nil }
            let newDataLength = (used - dataStart + 3 + 3) / 4 * 4
            let growth = newDataLength - words * 4
            if growth > 0 {
                guard moveTail(from: dataEnd, by: growth) else { return nil }
                for offset in dataEnd..<(dataEnd + growth) { buffer[offset] = 0 }
                let newWords = newDataLength / 4
                buffer[headerEnd + 2] = UInt8(truncatingIfNeeded: newWords >> 8)
                buffer[headerEnd + 3] = UInt8(truncatingIfNeeded: newWords)
            }
            buffer[used] = id << 4 | 1
            buffer[used + 1] = high
            buffer[used + 2] = low
            return length + max(growth, 0)
        }
        if profile >> 4 == 0x100 {
            var index = dataStart
            while index + 1 < dataEnd {
                let elementID = buffer[index]
                if elementID == 0 { index += 1; continue }
                let elementLength = Int(buffer[index + 1])
                if elementID == id {
                    guard elementLength == 2, index + 3 < dataEnd else { return nil }
                    buffer[index + 2] = high
                    buffer[index + 3] = low
                    return length
                }
                index += 2 + elementLength
            }
        }
        return nil
    }
}
