import Testing

@testable import TrtcTransport

/// RFC 5769 test vectors (short-term credentials) and what the parser must refuse.
@Suite struct STUNMessageTests {
    static let password = "VOkJxbRl1RmTxUk/WvJxBt"

    /// RFC 5769 2.1: software "STUN test client", username "evtj:h6vY", ICE-CONTROLLED.
    static let sampleRequest = bytes(
        "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
            + "002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020"
            + "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf")
    /// RFC 5769 2.2: software "test vector", 192.0.2.1 port 32853.
    static let sampleIPv4Response = bytes(
        "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
            + "002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
            + "80280004c07d4c96")
    /// RFC 5769 2.3: 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
    static let sampleIPv6Response = bytes(
        "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
            + "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
            + "00080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c")
    static let vectorTransaction = STUNTransactionID(bytes("b7e7a701bc34d686fa87dfae"))!

    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() { result.append(UInt8(String([high, low]), radix: 16)!) }
        return result
    }

    static func parse(_ datagram: [UInt8]) -> STUNMessage? {
        datagram.withUnsafeBytes { STUNMessage(parsing: $0) }
    }

    static func authenticates(_ datagram: [UInt8], password: String = password) -> (integrity: Bool, fingerprint: Bool) {
        datagram.withUnsafeBytes { raw in
            guard let message = STUNMessage(parsing: raw) else { return (false, false) }
            return (message.hasValidIntegrity(in: raw, password: password), message.hasValidFingerprint(in: raw))
        }
    }

    @Test func sampleRequestParsesAndAuthenticates() throws {
        let message = try #require(Self.parse(Self.sampleRequest))
        #expect(message.messageClass == .request)
        #expect(message.method == STUNMessage.bindingMethod)
        #expect(message.transactionID == Self.vectorTransaction)
        #expect(message.username == "evtj:h6vY")
        #expect(message.priority == 0x6e00_01ff)
        #expect(message.iceControlled == 0x932f_f9b1_5126_3b36)
        #expect(message.iceControlling == nil)
        #expect(!message.useCandidate)
        #expect(message.attribute(STUNAttribute.software) == Array("STUN test client".utf8))
        #expect(Self.authenticates(Self.sampleRequest) == (true, true))
        #expect(Self.authenticates(Self.sampleRequest, password: "VOkJxbRl1RmTxUk/WvJxBu").integrity == false)
    }

    @Test func sampleResponsesCarryTheMappedAddresses() throws {
        let v4 = try #require(Self.parse(Self.sampleIPv4Response))
        #expect(v4.messageClass == .successResponse)
        #expect(v4.xorMappedAddress == TransportAddress(ip: [192, 0, 2, 1], port: 32853))
        #expect(Self.authenticates(Self.sampleIPv4Response) == (true, true))

        let v6 = try #require(Self.parse(Self.sampleIPv6Response))
        let ip: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]
        #expect(v6.xorMappedAddress == TransportAddress(ip: ip, port: 32853))
        #expect(Self.authenticates(Self.sampleIPv6Response) == (true, true))
    }

    /// The encoder reproduces the vectors byte for byte (their padding is spaces), integrity and fingerprint included.
    @Test func encoderReproducesTheVectors() {
        let key = STUNMessage.integrityKey(password: Self.password)
        let request = STUNMessage(
            messageClass: .request, transactionID: Self.vectorTransaction,
            attributes: [
                STUNAttribute(type: STUNAttribute.software, value: Array("STUN test client".utf8)),
                .priority(0x6e00_01ff), .iceControlled(tieBreaker: 0x932f_f9b1_5126_3b36), .username("evtj:h6vY"),
            ])
        #expect(request.encoded(integrityKey: key, fingerprint: true, padding: 0x20) == Self.sampleRequest)

        let software = STUNAttribute(type: STUNAttribute.software, value: Array("test vector".utf8))
        let v4 = STUNMessage(
            messageClass: .successResponse, transactionID: Self.vectorTransaction,
            attributes: [software, .xorMappedAddress(TransportAddress(ip: [192, 0, 2, 1], port: 32853), transactionID: Self.vectorTransaction)])
        #expect(v4.encoded(integrityKey: key, fingerprint: true, padding: 0x20) == Self.sampleIPv4Response)

        let ip: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]
        let v6 = STUNMessage(
            messageClass: .successResponse, transactionID: Self.vectorTransaction,
            attributes: [software, .xorMappedAddress(TransportAddress(ip: ip, port: 32853), transactionID: Self.vectorTransaction)])
        #expect(v6.encoded(integrityKey: key, fingerprint: true, padding: 0x20) == Self.sampleIPv6Response)
    }

    @Test func errorResponseRoundTrips() throws {
        let message = STUNMessage(
            messageClass: .errorResponse, transactionID: .random(), attributes: [.errorCode(487, reason: "Role Conflict")])
        let parsed = try #require(Self.parse(message.encoded(integrityPassword: Self.password)))
        #expect(parsed.messageClass == .errorResponse)
        #expect(parsed.errorCode?.code == 487)
        #expect(parsed.errorCode?.reason == "Role Conflict")
    }

    @Test func malformedMessagesAreRefused() {
        var vector = Self.sampleRequest
        #expect(Self.parse(Array(vector.prefix(19))) == nil, "shorter than the header")
        #expect(Self.parse(Array(vector.dropLast(4))) == nil, "length field larger than the datagram")
        #expect(Self.parse(vector + [0, 0, 0, 0]) == nil, "bytes after the announced length")
        vector[4] ^= 1
        #expect(Self.parse(vector) == nil, "wrong magic cookie")
        vector = Self.sampleRequest
        vector[0] |= 0x40
        #expect(Self.parse(vector) == nil, "top bits of the type set (RTP/DTLS, not STUN)")
        vector = Self.sampleRequest
        vector[3] = 0x57
        #expect(Self.parse(Array(vector.dropLast(1))) == nil, "not a multiple of 4")
        vector = Self.sampleRequest
        vector[23] = 0x40  // SOFTWARE claims 64 bytes
        #expect(Self.parse(vector) == nil, "attribute overruns the message")
        // An attribute after FINGERPRINT.
        vector = Self.sampleRequest + [0x80, 0x22, 0x00, 0x00]
        vector[3] += 4
        #expect(Self.parse(vector) == nil, "attribute after FINGERPRINT")
        // MESSAGE-INTEGRITY with a 16-byte value.
        vector = Self.bytes("000100182112a442b7e7a701bc34d686fa87dfae00080010") + [UInt8](repeating: 0, count: 16)
        #expect(Self.parse(vector) == nil, "MESSAGE-INTEGRITY of the wrong size")
        #expect(Self.parse([]) == nil)
    }

    @Test func alteredBytesFailAuthentication() {
        for index in [2 + 20, 40, 60, 80] {  // SOFTWARE, PRIORITY, USERNAME, MESSAGE-INTEGRITY value
            var vector = Self.sampleRequest
            vector[index] ^= 0x01
            let result = Self.authenticates(vector)
            #expect(!result.fingerprint, "byte \(index) changed: FINGERPRINT must fail")
            #expect(!result.integrity, "byte \(index) changed: MESSAGE-INTEGRITY must fail")
        }
        var vector = Self.sampleRequest
        vector[vector.count - 1] ^= 0x01
        #expect(Self.authenticates(vector) == (true, false), "only the CRC changed")
    }

    @Test func datagramsAreClassifiedByTheirFirstBytes() {
        func classify(_ bytes: [UInt8]) -> DatagramClass { bytes.withUnsafeBytes { DatagramClass($0) } }
        #expect(classify([0, 1]) == .stun)
        #expect(classify([3]) == .stun)
        #expect(classify([20, 0xfe]) == .dtls)
        #expect(classify([63]) == .dtls)
        #expect(classify([0x80, 96]) == .rtp)
        #expect(classify([0x80, 0x80 | 111]) == .rtp, "marker bit set, PT 111")
        #expect(classify([0x81, 200]) == .rtcp, "sender report")
        #expect(classify([0x81, 192]) == .rtcp)
        #expect(classify([0x81, 223]) == .rtcp)
        #expect(classify([0x80, 224]) == .rtp, "marker + PT 96")
        #expect(classify([0xbf, 201]) == .rtcp)
        #expect(classify([0x80]) == .unknown, "too short to tell RTP from RTCP")
        #expect(classify([4]) == .unknown)
        #expect(classify([64]) == .unknown, "TURN channel")
        #expect(classify([192]) == .unknown)
        #expect(classify([]) == .unknown)
    }

    @Test func credentialsAreICECharsOfTheRightLengths() throws {
        let random = ICECredentials.random()
        #expect(random.ufrag.utf8.count == 8)
        #expect(random.password.utf8.count == 24)
        #expect(ICECredentials(ufrag: random.ufrag, password: random.password) == random)
        #expect(ICECredentials.random() != random)
        #expect(ICECredentials(ufrag: "abc", password: String(repeating: "a", count: 22)) == nil, "ufrag too short")
        #expect(ICECredentials(ufrag: "abcd", password: String(repeating: "a", count: 21)) == nil, "password too short")
        #expect(ICECredentials(ufrag: "ab:d", password: String(repeating: "a", count: 22)) == nil, "colon")
        #expect(ICECredentials(ufrag: "abcé", password: String(repeating: "a", count: 22)) == nil, "non-ASCII")
        #expect(ICECredentials(ufrag: "a+/9", password: String(repeating: "Z", count: 256)) != nil)
        #expect(ICECredentials(ufrag: "a+/9", password: String(repeating: "Z", count: 257)) == nil)
    }

    @Test func fingerprintsParseAndPrintAsInSDP() throws {
        let text = "sha-256 " + (0..<32).map { _ in "aB" }.joined(separator: ":")
        let fingerprint = try #require(CertificateFingerprint(text))
        #expect(fingerprint.sha256 == [UInt8](repeating: 0xab, count: 32))
        #expect(fingerprint.description == "sha-256 " + (0..<32).map { _ in "AB" }.joined(separator: ":"))
        #expect(CertificateFingerprint("SHA-256 " + fingerprint.description.dropFirst(8)) == fingerprint)
        #expect(CertificateFingerprint(fingerprint.description) == fingerprint)
        #expect(CertificateFingerprint("sha-1 " + fingerprint.description.dropFirst(8)) == nil)
        #expect(CertificateFingerprint(String(fingerprint.description.dropLast(3))) == nil, "31 bytes")
        #expect(CertificateFingerprint(fingerprint.description + ":AB") == nil, "33 bytes")
        #expect(CertificateFingerprint("sha-256 A:" + (0..<31).map { _ in "AB" }.joined(separator: ":")) == nil, "one digit")
        #expect(CertificateFingerprint("sha-256 " + (0..<32).map { _ in "+1" }.joined(separator: ":")) == nil, "sign")
    }
}
