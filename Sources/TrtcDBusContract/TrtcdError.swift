import TrtcCore
import TrtcDBus

/// The daemon's D-Bus errors: `org.trtcd.Trtc1.Error.<Name>`, the message starting with the TRTC code in brackets.
/// Codes outside TRTC's room-entry range follow TRTC's general codes (docs/spec.md#errors).
public enum TrtcdError {
    public static let prefix = "org.trtcd.Trtc1.Error."

    public static func make(_ name: String, code: Int32, _ message: String) -> DBusError {
        DBusError(name: prefix + name, message: "[\(code)] \(message)")
    }

    /// -3316…-3320 identifier problems, -100018 UserSig and -100006 privateMapKey, -3308 connect, -3340 refused, else
    /// by name.
    public static func from(_ error: TrtcError) -> DBusError {
        switch error.code {
        case TrtcErrorCode.userSigCheckFailed.rawValue, TrtcErrorCode.invalidPrivateMapKey.rawValue:
            make("AuthFailed", code: error.code, error.message)
        case TrtcErrorCode.connectFailed.rawValue: make("ConnectFailed", code: error.code, error.message)
        case TrtcErrorCode.refused.rawValue: make("Refused", code: error.code, error.message)
        case -3320 ... -3316: make("InvalidArgument", code: error.code, error.message)
        default: make("Refused", code: error.code, error.message)
        }
    }

    public static func invalidArgument(_ code: TrtcErrorCode, _ message: String) -> DBusError {
        make("InvalidArgument", code: code.rawValue, message)
    }

    public static func alreadyInRoom(_ message: String) -> DBusError { make("AlreadyInRoom", code: -3, message) }
    public static func cancelled(_ message: String) -> DBusError { make("Cancelled", code: cancelledCode, message) }
    public static func notInRoom(_ message: String) -> DBusError { make("NotInRoom", code: -3, message) }
    public static func notPermitted(_ message: String) -> DBusError { make("NotPermitted", code: -3, message) }
    public static func deviceUnavailable(video: Bool, _ message: String) -> DBusError {
        make("DeviceUnavailable", code: video ? -1301 : -1302, message)
    }

    /// EnterRoom(x) result when ExitRoom cancelled the entry (TRTC's generic failure).
    public static let cancelledCode: Int32 = -1
}
