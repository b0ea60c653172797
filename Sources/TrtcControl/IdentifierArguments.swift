import ArgumentParser
import TrtcCore

/// Identifier flags checked with the same rules as trtcd and trtc-server (``Identifiers``). A bad value is a
/// usage error (exit status 2) whose message carries the TRTC code, e.g. `[-3318] roomId 0 is outside 1…4294967294`.
enum IdentifierArguments {
    /// `--sdk-app-id`, else `TRTC_SDK_APP_ID`.
    static func sdkAppId(_ flag: String?) throws -> UInt32 {
        guard let text = EnvironmentDefaults.value(flag, or: EnvironmentDefaults.sdkAppId) else {
            throw ValidationError("[\(TrtcErrorCode.invalidSdkAppId.rawValue)] no sdkAppId: give --sdk-app-id or set \(EnvironmentDefaults.sdkAppId)")
        }
        guard let number = Int64(text) else {
            throw ValidationError("[\(TrtcErrorCode.invalidSdkAppId.rawValue)] sdkAppId \(text.debugDescription) is not a number")
        }
        return try checked { () throws(TrtcError) in try Identifiers.sdkAppId(number) }
    }

    static func userId(_ text: String) throws -> String {
        try checked { () throws(TrtcError) in try Identifiers.userId(text) }
    }

    static func roomId(_ text: String) throws -> UInt32 {
        guard let number = Int64(text) else {
            throw ValidationError("[\(TrtcErrorCode.invalidRoomId.rawValue)] roomId \(text.debugDescription) is not an integer")
        }
        return try checked { () throws(TrtcError) in try Identifiers.roomId(number) }
    }

    static func strRoomId(_ text: String) throws -> String {
        try checked { () throws(TrtcError) in try Identifiers.strRoomId(text) }
    }

    /// Runs a TrtcCore check and turns its TrtcError into a usage error with the same text.
    private static func checked<T>(_ check: () throws(TrtcError) -> T) throws -> T {
        do {
            return try check()
        } catch {
            throw ValidationError(error.description)
        }
    }
}
