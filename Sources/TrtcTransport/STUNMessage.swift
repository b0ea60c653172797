import CZlib
import Crypto

/// A STUN transaction id: 96 random bits (RFC 8489 5).
public struct STUNTransactionID: Sendable, Hashable {
    let high: UInt32
    let low: UInt64

    public static func random() -> STUNTransactionID {
        var generator = SystemRandomNumberGenerator()
        return STUNTransactionID(high: generator.next(), low: generator.next())
    }

    init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 12 bytes, network order.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 12 else { return nil }
        var high: UInt32 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 4 { high = high << 8 | UInt32(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    public var bytes: [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: high >> (24 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }
}

/// One STUN attribute, its value without padding.
public struct STUNAttribute: Sendable, Equatable {
    public var type: UInt16
    public var value: [UInt8]

    public init(type: UInt16, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    // RFC 8489 18.3, RFC 8445 16.1.
    public static let mappedAddress: UInt16 = 0x0001
    public static let username: UInt16 = 0x0006
    public static let messageIntegrity: UInt16 = 0x0008
    public static let errorCode: UInt16 = 0x0009
    public static let xorMappedAddress: UInt16 = 0x0020
    public static let priority: UInt16 = 0x0024
    public static let useCandidate: UInt16 = 0x0025
    public static let software: UInt16 = 0x8022
    public static let fingerprint: UInt16 = 0x8028
    public static let iceControlled: UInt16 = 0x8029
    public static let iceControlling: UInt16 = 0x802A
}

/// A STUN message (RFC 8489) and the checks ICE needs: MESSAGE-INTEGRITY (HMAC-SHA1, short-term credentials)
/// and FINGERPRINT (CRC-32 xor 0x5354554e).
///
/// Parsing is structural; authentication is a separate step on the same datagram, because MESSAGE-INTEGRITY
/// and FINGERPRINT cover the bytes as received. Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are
/// ignored (RFC 8489 14.5); anything after FINGERPRINT makes the message malformed.
public struct STUNMessage: Sendable, Equatable {
    public enum MessageClass: Sendable, Equatable {
        case request, indication, successResponse, errorResponse
    }

    public static let magicCookie: UInt32 = 0x2112_A442
    public static let bindingMethod: UInt16 = 0x001
    static let headerLength = 20
    static let integrityAttributeLength = 24  // header + HMAC-SHA1
    static let fingerprintAttributeLength = 8
    static let fingerprintXor: UInt32 = 0x5354_554E

    /// 12 bits; Binding is 0x001.
    public var method: UInt16
    public var messageClass: MessageClass
    public var transactionID: STUNTransactionID
    /// In order, without MESSAGE-INTEGRITY and FINGERPRINT (those are produced by `encoded` and checked with
    /// `hasValidIntegrity` / `hasValidFingerprint`).
    public var attributes: [STUNAttribute]
    /// Where MESSAGE-INTEGRITY and FINGERPRINT start in the parsed datagram; nil when absent or not parsed.
    public private(set) var integrityOffset: Int?
    public private(set) var fingerprintOffset: Int?

    public init(method: UInt16 = bindingMethod, messageClass: MessageClass, transactionID: STUNTransactionID,
                attributes: [STUNAttribute] = []) {
        self.method = method
        self.messageClass = messageClass
        self.transactionID = transactionID
        self.attributes = attributes
    }

    // MARK: Parsing

    /// Nil unless the datagram is exactly one well-formed STUN message (RFC 8489 header with the magic cookie,
    /// attributes filling the announced length, 4-byte aligned).
    public init?(parsing datagram: UnsafeRawBufferPointer) {
        let count = datagram.count
        guard count >= Self.headerLength, count % 4 == 0 else { return nil }
        let type = datagram.bigEndianUInt16(at: 0)
        guard type & 0xC000 == 0, Int(datagram.bigEndianUInt16(at: 2)) + Self.headerLength == count,
            datagram.bigEndianUInt32(at: 4) == Self.magicCookie
        else { return nil }
        method = (type & 0x000F) | (type & 0x00E0) >> 1 | (type & 0x3E00) >> 2
        switch (type & 0x0100 != 0, type & 0x0010 != 0) {
        case (false, false): messageClass = .request
        case (false, true): messageClass = .indication
        case (true, false): messageClass = .successResponse
        case (true, true): messageClass = .errorResponse
        }
        transactionID = STUNTransactionID(high: datagram.bigEndianUInt32(at: 8), low: datagram.bigEndianUInt64(at: 12))
        attributes = []
        var offset = Self.headerLength
        while offset < count {
            guard fingerprintOffset == nil, count - offset >= 4 else { return nil }
            let attributeType = datagram.bigEndianUInt16(at: offset)
            let length = Int(datagram.bigEndianUInt16(at: offset + 2))
            let padded = (length + 3) & ~3
            guard count - offset - 4 >= padded else { return nil }
            switch attributeType {
            case STUNAttribute.messageIntegrity:
                guard integrityOffset == nil, length == 20 else { return nil }
                integrityOffset = offset
            case STUNAttribute.fingerprint:
                guard length == 4 else { return nil }
                fingerprintOffset = offset
            default:
                if integrityOffset == nil {
                    attributes.append(STUNAttribute(type: attributeType, value: Array(datagram[(offset + 4)..<(offset + 4 + length)])))
                }
            }
            offset += 4 + padded
        }
    }

    /// First attribute of a type.
    public func attribute(_ type: UInt16) -> [UInt8]? {
        attributes.first { $0.type == type }?.value
    }

    // MARK: Authentication

    /// FINGERPRINT present and equal to the CRC-32 of everything before it, xor 0x5354554e.
    public func hasValidFingerprint(in datagram: UnsafeRawBufferPointer) -> Bool {
        guard let offset = fingerprintOffset, offset + Self.fingerprintAttributeLength == datagram.count else { return false }
        return datagram.bigEndianUInt32(at: offset + 4) == Self.fingerprint(of: UnsafeRawBufferPointer(rebasing: datagram[..<offset]))
    }

    /// MESSAGE-INTEGRITY present and equal to HMAC-SHA1, keyed by the short-term password, over the message up to
    /// it with the header's length field counting up to its end (RFC 8489 14.5).
    public func hasValidIntegrity(in datagram: UnsafeRawBufferPointer, password: String) -> Bool {
        hasValidIntegrity(in: datagram, key: Self.integrityKey(password: password))
    }

    func hasValidIntegrity(in datagram: UnsafeRawBufferPointer, key: SymmetricKey) -> Bool {
        guard let offset = integrityOffset, offset + Self.integrityAttributeLength <= datagram.count else { return false }
        let lengthUpToIntegrity = UInt16(offset + Self.integrityAttributeLength - Self.headerLength)
        var header = [datagram[0], datagram[1], UInt8(lengthUpToIntegrity >> 8), UInt8(truncatingIfNeeded: lengthUpToIntegrity)]
        var hmac = HMAC<Insecure.SHA1>(key: key)
        hmac.update(data: header)
        hmac.update(data: UnsafeRawBufferPointer(rebasing: datagram[4..<offset]))
        let expected = hmac.finalize()
        header.removeAll()
        return expected.withUnsafeBytes { mac in
            var difference: UInt8 = 0  // constant time: no early exit on the first wrong byte
            for index in 0..<20 { difference |= mac[index] ^ datagram[offset + 4 + index] }
            return difference == 0
        }
    }

    /// Short-term credentials: the key is the password's UTF-8 bytes (ICE passwords are ASCII: no OpaqueString
    /// processing changes them).
    static func integrityKey(password: String) -> SymmetricKey {
        SymmetricKey(data: Array(password.utf8))
    }

    static func fingerprint(of bytes: UnsafeRawBufferPointer) -> UInt32 {
        let crc = bytes.withMemoryRebound(to: Bytef.self) { bytes in
            CZlib.crc32(0, bytes.baseAddress, uInt(bytes.count))
        }
        return UInt32(truncatingIfNeeded: crc) ^ fingerprintXor
    }

    // MARK: Encoding

    /// The message, then MESSAGE-INTEGRITY keyed by `password` when given, then FINGERPRINT when asked for.
    public func encoded(integrityPassword password: String? = nil, fingerprint: Bool = true) -> [UInt8] {
        encoded(integrityKey: password.map(Self.integrityKey(password:)), fingerprint: fingerprint)
    }

    /// `padding` fills attribute padding (0 by default; RFC 5769's vectors use spaces).
    func encoded(integrityKey: SymmetricKey?, fingerprint: Bool, padding: UInt8 = 0) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerLength + attributes.reduce(0) { $0 + 4 + ($1.value.count + 3) & ~3 } + 32)
        let classBits: UInt16 = switch messageClass {
        case .request: 0x0000
        case .indication: 0x0010
        case .successResponse: 0x0100
        case .errorResponse: 0x0110
        }
        let type = (method & 0x000F) | (method & 0x0070) << 1 | (method & 0x0F80) << 2 | classBits
        bytes.appendBigEndian(type)
        bytes.appendBigEndian(UInt16(0))  // length, set below
        bytes.appendBigEndian(Self.magicCookie)
        bytes.append(contentsOf: transactionID.bytes)
        for attribute in attributes {
            bytes.appendBigEndian(attribute.type)
            bytes.appendBigEndian(UInt16(attribute.value.count))
            bytes.append(contentsOf: attribute.value)
            bytes.append(contentsOf: repeatElement(padding, count: (4 - attribute.value.count % 4) % 4))
        }
        func setLength(_ length: Int) {
            bytes[2] = UInt8(length >> 8)
            bytes[3] = UInt8(truncatingIfNeeded: length)
        }
        if let integrityKey {
            setLength(bytes.count - Self.headerLength + Self.integrityAttributeLength)
            let mac = HMAC<Insecure.SHA1>.authenticationCode(for: bytes, using: integrityKey)
            bytes.appendBigEndian(STUNAttribute.messageIntegrity)
            bytes.appendBigEndian(UInt16(20))
            bytes.append(contentsOf: mac)
        }
        if fingerprint {
            setLength(bytes.count - Self.headerLength + Self.fingerprintAttributeLength)
            let crc = bytes.withUnsafeBytes { Self.fingerprint(of: $0) }
            bytes.appendBigEndian(STUNAttribute.fingerprint)
            bytes.appendBigEndian(UInt16(4))
            bytes.appendBigEndian(crc)
        }
        setLength(bytes.count - Self.headerLength)
        return bytes
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    func bigEndianUInt16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    func bigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func bigEndianUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
