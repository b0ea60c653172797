// D-Bus method calls as trtcd receives them: libdbus checks the wire format (dbus_message_demarshal, as the bus
// connection does), then TrtcDBus reads the arguments into DBusValues (signatures included) and trtcd's contract
// decodes EnterRoom's and StartLocal*'s a{sv}. No input may trap; the arguments marshal back to the same values.
@testable import TrtcDBus
import CDBus
import FuzzSupport
import TrtcDBusContract

fuzz { bytes in
    var error = CDBus.DBusError()
    dbus_error_init(&error)
    defer { dbus_error_free(&error) }
    guard let message = bytes.withMemoryRebound(to: CChar.self, { text in
        dbus_message_demarshal(text.baseAddress, Int32(clamping: text.count), &error)
    }) else { return }
    defer { dbus_message_unref(message) }
    if let signature = dbus_message_get_signature(message) {
        _ = try? DBusType.parse(String(cString: signature))
    }
    guard let arguments = try? DBusValue.readArguments(of: message) else { return }
    _ = try? DBusValue.validate(arguments: arguments)
    for argument in arguments {
        _ = argument.string
        guard let dictionary = argument.stringKeyedDictionary else { continue }
        _ = try? EnterParameters(dictionary)
        _ = try? LocalAudioOptions(dictionary)
        _ = try? LocalVideoOptions(dictionary)
    }
    guard let copy = dbus_message_new_method_call("org.trtcd.Trtc1", "/org/trtcd/Trtc1/Room", "org.trtcd.Trtc1.Room", "EnterRoom")
    else { return }
    defer { dbus_message_unref(copy) }
    guard DBusValue.append(arguments, to: copy) else { return }
    let again = try? DBusValue.readArguments(of: copy)
    // Compared as text: a NaN double is not equal to itself.
    fuzzExpect(again.map { "\($0)" } == "\(arguments)", "D-Bus arguments do not survive marshalling: \(arguments)")
}
