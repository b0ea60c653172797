#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a privateMapKey allows its user in its room: TRTC's privilege bits (`privilegeMap`, one byte used).
public struct Privileges: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let createRoom = Privileges(rawValue: 1)
    public static let enterRoom = Privileges(rawValue: 2)
    public static let sendAudio = Privileges(rawValue: 4)
    public static let receiveAudio = Privileges(rawValue: 8)
    public static let sendVideo = Privileges(rawValue: 16)
    public static let receiveVideo = Privileges(rawValue: 32)
    public static let sendSubStream = Privileges(rawValue: 64)
    public static let receiveSubStream = Privileges(rawValue: 128)
    /// 255: everything, as Tencent's examples give an anchor.
    public static let all = Privileges(rawValue: 0xFF)

    static let names: [(Privileges, String)] = [
        (.createRoom, "create room"), (.enterRoom, "enter"), (.sendAudio, "send audio"), (.receiveAudio, "receive audio"),
        (.sendVideo, "send video"), (.receiveVideo, "receive video"), (.sendSubStream, "send sub stream"),
        (.receiveSubStream, "receive sub stream"),
    ]

    /// `42 (enter, receive audio, receive video)`.
    public var description: String {
        let named = Self.names.filter { contains($0.0) }.map(\.1)
        return "\(rawValue) (\(named.isEmpty ? "nothing" : named.joined(separator: ", ")))"
    }
}

/// The `TLS.userbuf` of a privateMapKey, as TLSSigAPIv2's `genUserBuf` lays it out (all integers big-endian):
/// version (1 byte: 0 numeric room, 1 string room), userId (2-byte length + bytes), sdkAppId (4), roomId (4; 0 for a
/// string room), absolute expiry in unix seconds (4), privilege map (4), account type (4), then for a string room the
/// strRoomId (2-byte length + bytes). Pure codec, no I/O.
public struct PrivateMapKeyUserBuf: Sendable, Equatable {
    public var userId: String
    public var sdkAppId: UInt32
    public var room: RoomName
    /// Unix time after which the key no longer admits (Tencent writes issue time + validity).
    public var expiresAt: UInt32
    public var privileges: Privileges
    /// `dwAccountType`: Tencent's libraries write 0; carried, not interpreted.
    public var accountType: UInt32

    public init(userId: String, sdkAppId: UInt32, room: RoomName, expiresAt: UInt32, privileges: Privileges,
                accountType: UInt32 = 0) {
        self.userId = userId
        self.sdkAppId = sdkAppId
        self.room = room
        self.expiresAt = expiresAt
        self.privileges = privileges
        self.accountType = accountType
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        func u16(_ value: Int) { out += [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
        func u32(_ value: UInt32) { out += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        let user = Array(userId.utf8)
        switch room {
        case .numeric: out.append(0)
        case .string: out.append(1)
        }
        u16(user.count)
        out += user
        u32(sdkAppId)
        if case .numeric(let id) = room { u32(id) } else { u32(0) }
        u32(expiresAt)
        u32(privileges.rawValue)
        u32(accountType)
        if case .string(let id) = room {
            let text = Array(id.utf8)
            u16(text.count)
            out += text
        }
        return out
    }

    /// Reads a userbuf strictly: a known version, lengths within the buffer, UTF-8 text, nothing left over.
    /// Failures are -100006 with what was wrong.
    public init(bytes: [UInt8]) throws(TrtcError) {
        var offset = 0
        func failure(_ message: String) -> TrtcError { TrtcError(.invalidPrivateMapKey, "privateMapKey userbuf \(message)") }
        func take(_ count: Int, _ field: String) throws(TrtcError) -> ArraySlice<UInt8> {
            guard bytes.count - offset >= count else {
                throw failure("ends inside \(field) (\(bytes.count) bytes)")
            }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
        func u16(_ field: String) throws(TrtcError) -> Int {
            try take(2, field).reduce(0) { $0 << 8 | Int($1) }
        }
        func u32(_ field: String) throws(TrtcError) -> UInt32 {
            try take(4, field).reduce(0) { $0 << 8 | UInt32($1) }
        }
        func text(_ field: String) throws(TrtcError) -> String {
            let slice = try take(try u16("the length of \(field)"), field)
            guard let value = String(validating: slice, as: UTF8.self) else { throw failure("has a \(field) that is not UTF-8") }
            return value
        }
        let version = try take(1, "the version").first!
        guard version <= 1 else { throw failure("version \(version) is not 0 (numeric room) or 1 (string room)") }
        userId = try text("userId")
        sdkAppId = try u32("sdkAppId")
        let roomId = try u32("roomId")
        expiresAt = try u32("the expiry")
        privileges = Privileges(rawValue: try u32("the privilege map"))
        accountType = try u32("the account type")
        if version == 1 {
            let strRoomId = try text("strRoomId")
            guard !strRoomId.isEmpty else { throw failure("of a string room has an empty strRoomId") }
            room = .string(strRoomId)
        } else {
            room = .numeric(roomId)
        }
        guard offset == bytes.count else { throw failure("has \(bytes.count - offset) stray bytes at its end") }
    }
}

/// Tencent's privateMapKey: a TLSSigAPIv2 UserSig whose signed `TLS.userbuf` names the room and the privileges
/// (`genPrivateMapKey` / `genPrivateMapKeyWithStringRoomID`), byte-compatible both ways with Tencent's libraries.
/// Checked by trtc-server for an app that requires it, and whenever a client presents one (docs/security.md H3).
public enum PrivateMapKey {
    /// A key for `userId` in `room` of app `sdkAppId`, valid `expire` seconds from `time` (default: now), both in the
    /// document and as the userbuf's absolute expiry, as Tencent's libraries make it.
    public static func generate(sdkAppId: UInt32, userId: String, secretKey: String, room: RoomName, privileges: Privileges,
                                expire: Int = UserSig.defaultExpire, time: Int? = nil) -> String {
        let issued = Int64(time ?? Int(Date().timeIntervalSince1970))
        let userBuf = PrivateMapKeyUserBuf(userId: userId, sdkAppId: sdkAppId, room: room,
                                           expiresAt: UInt32(clamping: issued + Int64(expire)), privileges: privileges)
        return UserSig.generate(sdkAppId: sdkAppId, userId: userId, secretKey: secretKey, expire: expire, time: issued,
                                userBuf: userBuf.bytes)
    }

    /// The document and its userbuf, without checking the signature (for display and tests). -100006 when malformed.
    public static func decode(_ key: String) throws(TrtcError) -> (document: UserSigDocument, userBuf: PrivateMapKeyUserBuf) {
        let document = try UserSig.decode(key, as: .privateMapKey)
        return (document, try userBuf(of: document))
    }

    /// Checks a key the way TRTC's server does and returns what it allows. Throws -100006 saying why: malformed, no
    /// userbuf, another app or user (in the document or the userbuf), bad signature, expired (the document's
    /// validity or the userbuf's expiry), or made for another room. Privileges are the caller's to check.
    public static func verify(_ key: String, sdkAppId: UInt32, userId: String, room: RoomName, secretKey: String,
                              now: Int? = nil) throws(TrtcError) -> Privileges {
        let current = now ?? Int(Date().timeIntervalSince1970)
        let document = try UserSig.verifiedDocument(key, sdkAppId: sdkAppId, userId: userId, secretKey: secretKey,
                                                    now: current, as: .privateMapKey)
        let buffer = try userBuf(of: document)
        guard buffer.sdkAppId == sdkAppId else {
            throw TrtcError(.invalidPrivateMapKey, "privateMapKey userbuf is for sdkAppId \(buffer.sdkAppId), not \(sdkAppId)")
        }
        guard buffer.userId == userId else {
            throw TrtcError(.invalidPrivateMapKey, "privateMapKey userbuf is for another userId than \(userId.debugDescription)")
        }
        guard Int64(current) <= Int64(buffer.expiresAt) else {
            throw TrtcError(.invalidPrivateMapKey, "privateMapKey expired at \(buffer.expiresAt); now is \(current)")
        }
        guard buffer.room == room else {
            throw TrtcError(.invalidPrivateMapKey, "privateMapKey is for \(describe(buffer.room)), not \(describe(room))")
        }
        return buffer.privileges
    }

    private static func userBuf(of document: UserSigDocument) throws(TrtcError) -> PrivateMapKeyUserBuf {
        guard let text = document.userBuf else {
            throw TrtcError(.invalidPrivateMapKey, "privateMapKey has no TLS.userbuf (a plain UserSig is not a privateMapKey)")
        }
        guard let bytes = Data(base64Encoded: text) else {
            throw TrtcError(.invalidPrivateMapKey, "privateMapKey TLS.userbuf is not base64")
        }
        return try PrivateMapKeyUserBuf(bytes: Array(bytes))
    }

    /// `roomId 8888` / `strRoomId "abc"`: numeric 8888 and string "8888" are different rooms.
    static func describe(_ room: RoomName) -> String {
        switch room {
        case .numeric(let id): "roomId \(id)"
        case .string(let id): "strRoomId \(String(id.prefix(64)).debugDescription)"
        }
    }
}
