/// Validation of the identifiers of SPEC §2, shared by daemon, CLI and server so all three accept and reject the same values
/// with the same codes. Every message names the field, the offending value and the rule.
public enum Identifiers {
    public static let roomIdRange: ClosedRange<Int64> = 1...4_294_967_294
    public static let strRoomIdMaximumBytes = 64
    public static let userIdMaximumBytes = 32
    /// The punctuation a strRoomId may contain besides a-z A-Z 0-9 (space included).
    public static let strRoomIdPunctuation = " !#$%&()+-:;<=.>?@[]^_{}|~,"
    /// The punctuation a userId may contain besides a-z A-Z 0-9.
    public static let userIdPunctuation = "_-"

    /// sdkAppId: unsigned 32-bit, > 0; else -3317.
    public static func sdkAppId(_ value: Int64) throws(TrtcError) -> UInt32 {
        guard value > 0, value <= Int64(UInt32.max) else {
            throw TrtcError(.invalidSdkAppId, "sdkAppId \(value) is outside 1…\(UInt32.max)")
        }
        return UInt32(value)
    }

    /// roomId: integer 1…4294967294; else -3318.
    public static func roomId(_ value: Int64) throws(TrtcError) -> UInt32 {
        guard roomIdRange.contains(value) else {
            throw TrtcError(.invalidRoomId, "roomId \(value) is outside \(roomIdRange.lowerBound)…\(roomIdRange.upperBound)")
        }
        return UInt32(value)
    }

    /// strRoomId: 1…64 bytes of a-z A-Z 0-9, space and ``strRoomIdPunctuation``; else -3318.
    public static func strRoomId(_ value: String) throws(TrtcError) -> String {
        try checkCharacters(
            value, field: "strRoomId", maximumBytes: strRoomIdMaximumBytes, punctuation: strRoomIdPunctuation,
            allowedDescription: "a-z A-Z 0-9, space and !#$%&()+-:;<=.>?@[]^_{}|~,", code: .invalidRoomId)
        return value
    }

    /// userId: 1…32 bytes of a-z A-Z 0-9 _ -; else -3319.
    public static func userId(_ value: String) throws(TrtcError) -> String {
        try checkCharacters(
            value, field: "userId", maximumBytes: userIdMaximumBytes, punctuation: userIdPunctuation,
            allowedDescription: "a-z A-Z 0-9 _ -", code: .invalidUserId)
        return value
    }

    /// The room a request names. As in TRTC, roomId wins when both are given, and a roomId of 0 next to a non-empty
    /// strRoomId counts as "not given" (TRTC's parameter default). An empty strRoomId with no roomId counts as not given.
    /// Neither given: -3316. The chosen one is then validated (-3318).
    public static func roomName(roomId: Int64?, strRoomId: String?) throws(TrtcError) -> RoomName {
        let hasStrRoomId = !(strRoomId ?? "").isEmpty
        if let roomId, roomId != 0 || !hasStrRoomId {
            return .numeric(try Identifiers.roomId(roomId))
        }
        if let strRoomId, hasStrRoomId {
            return .string(try Identifiers.strRoomId(strRoomId))
        }
        throw TrtcError(.enterRoomParamNull, "neither roomId nor strRoomId is given")
    }

    private static func checkCharacters(
        _ value: String, field: String, maximumBytes: Int, punctuation: String, allowedDescription: String,
        code: TrtcErrorCode
    ) throws(TrtcError) {
        let byteCount = value.utf8.count
        guard byteCount > 0 else {
            throw TrtcError(code, "\(field) is empty; it must be 1…\(maximumBytes) bytes of \(allowedDescription)")
        }
        guard byteCount <= maximumBytes else {
            throw TrtcError(code, "\(field) is \(byteCount) bytes, more than \(maximumBytes)")
        }
        var offset = 0
        for scalar in value.unicodeScalars {
            if !isAlphanumericASCII(scalar) && !punctuation.unicodeScalars.contains(scalar) {
                throw TrtcError(
                    code,
                    "\(field) \(quoted(value)) has \(describe(scalar)) at byte \(offset); allowed are \(allowedDescription)")
            }
            offset += String(scalar).utf8.count
        }
    }

    private static func isAlphanumericASCII(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        default: false
        }
    }

    /// Printable characters as themselves, the rest as U+XXXX so a message never carries control characters.
    private static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if scalar.properties.generalCategory == .control || scalar.properties.isWhitespace && scalar != " " {
            return code
        }
        return "\(quoted(String(scalar))) (\(code))"
    }

    private static func quoted(_ text: String) -> String {
        "\"" + String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }) + "\""
    }
}
