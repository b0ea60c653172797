/// An RTP packet (RFC 3550 §5.1): fixed header, CSRC list, optional header extension, payload, padding.
public struct RTPPacket: Sendable, Equatable {
    public static let fixedHeaderSize = 12

    public private(set) var payloadType: UInt8
    public var marker: Bool
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public private(set) var csrcs: [UInt32]
    public var headerExtension: RTPHeaderExtension?
    public var payload: [UInt8]
    /// Padding bytes after the payload, including the final count byte; 0 means no padding.
    public private(set) var paddingLength: Int

    public init(
        payloadType: UInt8, marker: Bool = false, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
        csrcs: [UInt32] = [], headerExtension: RTPHeaderExtension? = nil, payload: [UInt8], paddingLength: Int = 0
    ) throws(RTPParseError) {
        guard payloadType <= 127 else { throw .invalidField("payload type \(payloadType) exceeds 127") }
        guard csrcs.count <= 15 else { throw .invalidField("\(csrcs.count) CSRCs, at most 15") }
        guard (0...255).contains(paddingLength) else { throw .invalidPadding("length \(paddingLength) outside 0…255") }
        self.payloadType = payloadType
        self.marker = marker
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.headerExtension = headerExtension
        self.payload = payload
        self.paddingLength = paddingLength
    }

    /// For callers that already hold valid values (payload type ≤ 127, no CSRCs, no padding).
    init(validPayloadType payloadType: UInt8, marker: Bool, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32, payload: [UInt8]) {
        self.payloadType = payloadType & 0x7F
        self.marker = marker
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = []
        self.headerExtension = nil
        self.payload = payload
        self.paddingLength = 0
    }

    /// Parses one packet; anything malformed (short, wrong version, bad lengths or padding) throws.
    public init(parsing bytes: [UInt8]) throws(RTPParseError) {
        var reader = ByteReader(bytes, context: "RTP header")
        let first = try reader.readUInt8()
        guard first >> 6 == 2 else { throw .unsupportedVersion(first >> 6) }
        let hasPadding = first & 0x20 != 0
        let hasExtension = first & 0x10 != 0
        let csrcCount = Int(first & 0x0F)
        let second = try reader.readUInt8()
        marker = second & 0x80 != 0
        payloadType = second & 0x7F
        sequenceNumber = try reader.readUInt16()
        timestamp = try reader.readUInt32()
        ssrc = try reader.readUInt32()
        var csrcs: [UInt32] = []
        csrcs.reserveCapacity(csrcCount)
        for _ in 0..<csrcCount { csrcs.append(try reader.readUInt32()) }
        self.csrcs = csrcs
        if hasExtension {
            let profile = try reader.readUInt16()
            let words = Int(try reader.readUInt16())
            headerExtension = try RTPHeaderExtension(profile: profile, data: try reader.readBytes(words * 4))
        } else {
            headerExtension = nil
        }
        var payloadEnd = bytes.count
        if hasPadding {
            guard payloadEnd > reader.offset else { throw .invalidPadding("padding bit set but no bytes after the header") }
            let count = Int(bytes[payloadEnd - 1])
            guard count >= 1, count <= payloadEnd - reader.offset else {
                throw .invalidPadding("count \(count) with \(payloadEnd - reader.offset) bytes after the header")
            }
            payloadEnd -= count
            paddingLength = count
        } else {
            paddingLength = 0
        }
        payload = Array(bytes[reader.offset..<payloadEnd])
    }

    public var headerSize: Int {
        Self.fixedHeaderSize + csrcs.count * 4 + (headerExtension.map { 4 + $0.data.count } ?? 0)
    }

    /// Size on the wire.
    public var size: Int { headerSize + payload.count + paddingLength }

    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        var first: UInt8 = 2 << 6 | UInt8(csrcs.count)
        if paddingLength > 0 { first |= 0x20 }
        if headerExtension != nil { first |= 0x10 }
        bytes.append(first)
        bytes.append((marker ? 0x80 : 0) | payloadType)
        bytes.appendBigEndian(sequenceNumber)
        bytes.appendBigEndian(timestamp)
        bytes.appendBigEndian(ssrc)
        for csrc in csrcs { bytes.appendBigEndian(csrc) }
        if let headerExtension {
            bytes.appendBigEndian(headerExtension.profile)
            bytes.appendBigEndian(UInt16(headerExtension.data.count / 4))
            bytes.append(contentsOf: headerExtension.data)
        }
        bytes.append(contentsOf: payload)
        if paddingLength > 0 {
            bytes.append(contentsOf: repeatElement(0, count: paddingLength - 1))
            bytes.append(UInt8(paddingLength))
        }
        return bytes
    }

    public mutating func setPayloadType(_ payloadType: UInt8) throws(RTPParseError) {
        guard payloadType <= 127 else { throw .invalidField("payload type \(payloadType) exceeds 127") }
        self.payloadType = payloadType
    }

    public mutating func setPadding(length: Int) throws(RTPParseError) {
        guard (0...255).contains(length) else { throw .invalidPadding("length \(length) outside 0…255") }
        paddingLength = length
    }

    public mutating func setCSRCs(_ csrcs: [UInt32]) throws(RTPParseError) {
        guard csrcs.count <= 15 else { throw .invalidField("\(csrcs.count) CSRCs, at most 15") }
        self.csrcs = csrcs
    }
}
