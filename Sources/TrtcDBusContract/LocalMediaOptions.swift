import TrtcCore
import TrtcDBus

/// Reads the `a{sv}` of StartLocalVideo / StartLocalAudio: every key known, every value of its declared type.
/// Unknown keys are refused (as EnterRoom does) so a typo does not silently fall back to a default.
struct LocalMediaOptions {
    let method: String
    let values: [String: DBusValue]

    init(method: String, _ values: [String: DBusValue], known: Set<String>) throws(DBusError) {
        self.method = method
        self.values = values
        if let unknown = values.keys.filter({ !known.contains($0) }).sorted().first {
            throw TrtcdError.invalidArgument(.enterRoomParamNull,
                "\(method): unknown option \(unknown.debugDescription); known options: \(known.sorted().joined(separator: ", "))")
        }
    }

    func string(_ key: String) throws(DBusError) -> String? {
        guard let value = values[key] else { return nil }
        guard case .string(let text) = value.unwrappedVariant else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull,
                "\(method): \(key) must be a string (s), not \(value.unwrappedVariant.typeSignatureText)")
        }
        return text.isEmpty ? nil : text
    }

    /// A boolean option (`bindToCaller`).
    func bool(_ key: String) throws(DBusError) -> Bool? {
        guard let value = values[key] else { return nil }
        guard case .boolean(let flag) = value.unwrappedVariant else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull,
                "\(method): \(key) must be a boolean (b), not \(value.unwrappedVariant.typeSignatureText)")
        }
        return flag
    }

    /// An unsigned 32-bit option inside `range`.
    func unsigned(_ key: String, in range: ClosedRange<Int>) throws(DBusError) -> Int? {
        guard let value = values[key] else { return nil }
        guard case .uint32(let number) = value.unwrappedVariant else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull,
                "\(method): \(key) must be an unsigned integer (u), not \(value.unwrappedVariant.typeSignatureText)")
        }
        guard range.contains(Int(number)) else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull,
                "\(method): \(key) \(number) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return Int(number)
    }
}
