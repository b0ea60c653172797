/// Typed values of the attributes ICE uses (RFC 8489 14, RFC 8445 7.1.1).
extension STUNAttribute {
    public static func username(_ text: String) -> STUNAttribute {
        STUNAttribute(type: username, value: Array(text.utf8))
    }

    public static func priority(_ value: UInt32) -> STUNAttribute {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(value)
        return STUNAttribute(type: priority, value: bytes)
    }

    public static var useCandidateFlag: STUNAttribute { STUNAttribute(type: useCandidate, value: []) }

    public static func iceControlling(tieBreaker: UInt64) -> STUNAttribute {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(tieBreaker)
        return STUNAttribute(type: iceControlling, value: bytes)
    }

    public static func iceControlled(tieBreaker: UInt64) -> STUNAttribute {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(tieBreaker)
        return STUNAttribute(type: iceControlled, value: bytes)
    }

    /// The address xor the magic cookie (and, for IPv6, the transaction id), so that NATs rewriting addresses
    /// they see in payloads leave it alone.
    public static func xorMappedAddress(_ address: TransportAddress, transactionID: STUNTransactionID) -> STUNAttribute {
        var bytes: [UInt8] = [0, address.ip.count == 4 ? 1 : 2]
        bytes.appendBigEndian(address.port ^ UInt16(STUNMessage.magicCookie >> 16))
        let mask = xorMask(transactionID)
        for (index, byte) in address.ip.enumerated() { bytes.append(byte ^ mask[index]) }
        return STUNAttribute(type: xorMappedAddress, value: bytes)
    }

    /// Class and number (e.g. 487 Role Conflict) and a reason phrase.
    public static func errorCode(_ code: Int, reason: String) -> STUNAttribute {
        precondition((300...699).contains(code), "STUN error codes are 300-699")
        return STUNAttribute(type: errorCode, value: [0, 0, UInt8(code / 100), UInt8(code % 100)] + Array(reason.utf8))
    }

    static func xorMask(_ transactionID: STUNTransactionID) -> [UInt8] {
        var mask: [UInt8] = []
        mask.appendBigEndian(STUNMessage.magicCookie)
        return mask + transactionID.bytes
    }
}

extension STUNMessage {
    public var username: String? {
        attribute(STUNAttribute.username).flatMap { String(validating: $0, as: UTF8.self) }
    }

    public var priority: UInt32? {
        guard let value = attribute(STUNAttribute.priority), value.count == 4 else { return nil }
        return value.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public var useCandidate: Bool { attribute(STUNAttribute.useCandidate) != nil }

    public var iceControlling: UInt64? { Self.tieBreaker(attribute(STUNAttribute.iceControlling)) }
    public var iceControlled: UInt64? { Self.tieBreaker(attribute(STUNAttribute.iceControlled)) }

    private static func tieBreaker(_ value: [UInt8]?) -> UInt64? {
        guard let value, value.count == 8 else { return nil }
        return value.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var xorMappedAddress: TransportAddress? {
        guard let value = attribute(STUNAttribute.xorMappedAddress), value.count >= 4 else { return nil }
        let length: Int
        switch (value[1], value.count) {
        case (1, 8): length = 4
        case (2, 20): length = 16
        default: return nil
        }
        let mask = STUNAttribute.xorMask(transactionID)
        let port = (UInt16(value[2]) << 8 | UInt16(value[3])) ^ UInt16(Self.magicCookie >> 16)
        return TransportAddress(ip: (0..<length).map { value[4 + $0] ^ mask[$0] }, port: port)
    }

    /// Code (300–699) and reason phrase.
    public var errorCode: (code: Int, reason: String)? {
        guard let value = attribute(STUNAttribute.errorCode), value.count >= 4, (3...6).contains(value[2] & 7),
            value[3] < 100
        else { return nil }
        return (Int(value[2] & 7) * 100 + Int(value[3]), String(decoding: value[4...], as: UTF8.self))
    }
}
