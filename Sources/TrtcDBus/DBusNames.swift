/// Syntax checks for D-Bus names, done in Swift before any libdbus call sees them
/// (libdbus aborts the process on invalid names).
enum DBusNames {
    private static func isNameCharacter(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
    }

    private static func isDigit(_ c: UInt8) -> Bool {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
    }

    static func validateObjectPath(_ path: String) throws {
        let bytes = Array(path.utf8)
        let bad = DBusError.invalidArgs("invalid object path '\(path)'")
        guard bytes.first == UInt8(ascii: "/") else { throw bad }
        if bytes.count == 1 { return }
        guard bytes.last != UInt8(ascii: "/") else { throw bad }
        var previousWasSlash = false
        for c in bytes {
            if c == UInt8(ascii: "/") {
                if previousWasSlash { throw bad }
                previousWasSlash = true
            } else {
                guard isNameCharacter(c) else { throw bad }
                previousWasSlash = false
            }
        }
    }

    /// Interface names and error names share one syntax.
    static func validateInterface(_ name: String, what: String = "interface name") throws {
        let bad = DBusError.invalidArgs("invalid \(what) '\(name)'")
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else { throw bad }
        let elements = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard elements.count >= 2 else { throw bad }
        for element in elements {
            guard let first = element.first, !isDigit(first), element.allSatisfy(isNameCharacter) else { throw bad }
        }
    }

    static func validateErrorName(_ name: String) throws {
        try validateInterface(name, what: "error name")
    }

    static func validateMember(_ name: String) throws {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 255, !isDigit(first), bytes.allSatisfy(isNameCharacter) else {
            throw DBusError.invalidArgs("invalid member name '\(name)'")
        }
    }

    static func validateBusName(_ name: String) throws {
        let bad = DBusError.invalidArgs("invalid bus name '\(name)'")
        var bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else { throw bad }
        let unique = bytes[0] == UInt8(ascii: ":")
        if unique { bytes.removeFirst() }
        let elements = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard elements.count >= 2 else { throw bad }
        for element in elements {
            guard let first = element.first else { throw bad }
            guard unique || !isDigit(first) else { throw bad }
            guard element.allSatisfy({ isNameCharacter($0) || $0 == UInt8(ascii: "-") }) else { throw bad }
        }
    }
}
