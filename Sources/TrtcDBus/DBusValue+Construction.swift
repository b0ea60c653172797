extension DBusValue {
    /// An `a{sv}` dictionary; keys are sorted so the wire form is deterministic.
    public static func variantDictionary(_ entries: [String: DBusValue]) -> DBusValue {
        .dictionary(
            key: .string, value: .variant,
            entries.sorted { $0.key < $1.key }.map {
                DBusDictEntry(key: .string($0.key), value: .variant($0.value.unwrappedVariant))
            })
    }

    /// An `a{ss}` dictionary; keys are sorted.
    public static func stringDictionary(_ entries: [String: String]) -> DBusValue {
        .dictionary(
            key: .string, value: .string,
            entries.sorted { $0.key < $1.key }.map { DBusDictEntry(key: .string($0.key), value: .string($0.value)) })
    }

    /// An `as` array.
    public static func stringArray(_ strings: [String]) -> DBusValue {
        .array(.string, strings.map { .string($0) })
    }

    /// An `ay` array.
    public static func byteArray(_ bytes: [UInt8]) -> DBusValue {
        .array(.byte, bytes.map { .byte($0) })
    }
}

extension DBusValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension DBusValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) {
        self = .boolean(value)
    }
}
