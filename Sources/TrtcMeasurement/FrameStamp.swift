import TrtcCodecs

/// A frame counter and a capture time written into a picture as black and white blocks that survive lossy
/// compression, so that whoever reads the decoded picture back knows which picture it is and when it was captured
/// (issue 12's glass-to-glass measurement). No I/O: a value written into, and read from, an I420 frame.
///
/// The stamp is a grid of `columns` × `rows` square blocks in the top-left corner of the luma plane, one bit each,
/// row by row, most significant bit first: the frame id (32 bits), the capture time in microseconds of
/// CLOCK_MONOTONIC (48 bits, ~8.9 years), then a CRC-16 of both (CCITT, 0x1021, initial 0xFFFF). Ids and times are
/// stored Gray-coded, so consecutive frame ids differ in one block (fewer blocks change from one picture to the
/// next, which costs the encoder less). A 1 is luma 235, a 0 luma 16 (video range); the chroma under the grid is
/// neutral. Blocks are aligned to the picture's corner and, from 640 pixels wide on, are whole 16×16 macroblocks
/// (32×32 from 1280), so a VP8 encoder codes each as one flat block. Reading averages the middle half of each block
/// (away from deblocking at its edges) and compares with the midpoint; a stamp whose CRC does not match is
/// unreadable (nil), never a wrong value (except for the 1 in 65,536 chance of a matching CRC).
public struct FrameStamp: Sendable, Equatable, Hashable {
    public var frameId: UInt32
    /// Microseconds of CLOCK_MONOTONIC (the clock every process on the machine shares), 48 bits.
    public var captureMicroseconds: UInt64

    public static let columns = 16
    public static let rows = 6
    static let idBits = 32
    static let timeBits = 48
    static let checkBits = 16
    static let timeMask: UInt64 = (1 << 48) - 1
    static let white: UInt8 = 235
    static let black: UInt8 = 16
    static let threshold = (Int(white) + Int(black)) / 2

    public init(frameId: UInt32, captureMicroseconds: UInt64) {
        self.frameId = frameId
        self.captureMicroseconds = captureMicroseconds & Self.timeMask
    }

    /// The capture time as a monotonic-clock reading.
    public var captureTime: Duration { .microseconds(Int64(captureMicroseconds)) }

    /// Side of one block in pixels for a picture of this size: width / 40 rounded down to a multiple of 8, between
    /// 8 and 32 (16 at 640×480, 32 at 1280×720, 8 at 320×240).
    public static func blockSize(width: Int, height: Int) -> Int {
        min(32, max(8, (width / 40) / 8 * 8))
    }

    /// Whether a picture of this size has room for the grid.
    public static func fits(width: Int, height: Int) -> Bool {
        let block = blockSize(width: width, height: height)
        return width >= columns * block && height >= rows * block
    }

    /// The area the grid covers, in luma pixels: (x 0..<width, y 0..<height).
    public static func area(width: Int, height: Int) -> (width: Int, height: Int) {
        let block = blockSize(width: width, height: height)
        return (columns * block, rows * block)
    }

    /// The 96 bits, in the order they are laid out.
    var bits: [Bool] {
        let id = Self.gray(UInt64(frameId))
        let time = Self.gray(captureMicroseconds & Self.timeMask)
        let check = Self.crc16(id: id, time: time)
        var result: [Bool] = []
        result.reserveCapacity(Self.columns * Self.rows)
        for bit in stride(from: Self.idBits - 1, through: 0, by: -1) { result.append(id >> UInt64(bit) & 1 == 1) }
        for bit in stride(from: Self.timeBits - 1, through: 0, by: -1) { result.append(time >> UInt64(bit) & 1 == 1) }
        for bit in stride(from: Self.checkBits - 1, through: 0, by: -1) { result.append(check >> UInt16(bit) & 1 == 1) }
        return result
    }

    /// Writes the grid into `frame` (its top-left corner).
    /// - Throws: `FrameError.invalidSize` when the picture is too small for the grid.
    public func write(into frame: inout I420Frame) throws(FrameError) {
        guard Self.fits(width: frame.width, height: frame.height) else {
            throw .invalidSize(width: frame.width, height: frame.height)
        }
        let block = Self.blockSize(width: frame.width, height: frame.height)
        let strideY = frame.strideY
        let bits = self.bits
        frame.y.withUnsafeMutableBufferPointer { luma in
            for row in 0..<Self.rows {
                for column in 0..<Self.columns {
                    let value = bits[row * Self.columns + column] ? Self.white : Self.black
                    for line in 0..<block {
                        let start = (row * block + line) * strideY + column * block
                        luma[start..<start + block].update(repeating: value)
                    }
                }
            }
        }
        let chromaWidth = Self.columns * block / 2
        let chromaRows = Self.rows * block / 2
        for line in 0..<chromaRows {
            let u = line * frame.strideU
            let v = line * frame.strideV
            frame.u.withUnsafeMutableBufferPointer { $0[u..<u + chromaWidth].update(repeating: 128) }
            frame.v.withUnsafeMutableBufferPointer { $0[v..<v + chromaWidth].update(repeating: 128) }
        }
    }

    /// Reads the stamp of a decoded picture; nil when the picture is too small or the CRC does not match.
    public static func read(from frame: I420Frame) -> FrameStamp? {
        guard fits(width: frame.width, height: frame.height) else { return nil }
        let block = blockSize(width: frame.width, height: frame.height)
        let margin = block / 4
        let inner = block - 2 * margin
        let strideY = frame.strideY
        var id: UInt64 = 0
        var time: UInt64 = 0
        var check: UInt16 = 0
        frame.y.withUnsafeBufferPointer { luma in
            for index in 0..<(columns * rows) {
                let row = index / columns
                let column = index % columns
                var sum = 0
                for line in 0..<inner {
                    let start = (row * block + margin + line) * strideY + column * block + margin
                    for offset in 0..<inner { sum += Int(luma[start + offset]) }
                }
                let bit: UInt64 = sum > threshold * inner * inner ? 1 : 0
                if index < idBits {
                    id = id << 1 | bit
                } else if index < idBits + timeBits {
                    time = time << 1 | bit
                } else {
                    check = check << 1 | UInt16(bit)
                }
            }
        }
        guard crc16(id: id, time: time) == check else { return nil }
        return FrameStamp(frameId: UInt32(truncatingIfNeeded: fromGray(id)), captureMicroseconds: fromGray(time))
    }

    // MARK: coding

    static func gray(_ value: UInt64) -> UInt64 { value ^ (value >> 1) }

    static func fromGray(_ value: UInt64) -> UInt64 {
        var result = value
        var shift: UInt64 = 1
        while shift < 64 {
            result ^= result >> shift
            shift <<= 1
        }
        return result
    }

    /// CRC-16/CCITT-FALSE over the id's 4 and the time's 6 big-endian bytes.
    static func crc16(id: UInt64, time: UInt64) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        var bytes: [UInt8] = (0..<4).reversed().map { UInt8(truncatingIfNeeded: id >> UInt64($0 * 8)) }
        bytes += (0..<6).reversed().map { UInt8(truncatingIfNeeded: time >> UInt64($0 * 8)) }
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }
}
