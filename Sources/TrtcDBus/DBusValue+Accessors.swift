// Accessors look through variants, so `params["roomId"]?.uint32` works on an `a{sv}`.
extension DBusValue {
    /// The value inside any number of variant wrappers.
    public var unwrappedVariant: DBusValue {
        var value = self
        while case .variant(let inner) = value { value = inner }
        return value
    }

    public var byte: UInt8? {
        if case .byte(let v) = unwrappedVariant { v } else { nil }
    }

    public var bool: Bool? {
        if case .boolean(let v) = unwrappedVariant { v } else { nil }
    }

    public var int16: Int16? {
        if case .int16(let v) = unwrappedVariant { v } else { nil }
    }

    public var uint16: UInt16? {
        if case .uint16(let v) = unwrappedVariant { v } else { nil }
    }

    public var int32: Int32? {
        if case .int32(let v) = unwrappedVariant { v } else { nil }
    }

    public var uint32: UInt32? {
        if case .uint32(let v) = unwrappedVariant { v } else { nil }
    }

    public var int64: Int64? {
        if case .int64(let v) = unwrappedVariant { v } else { nil }
    }

    public var uint64: UInt64? {
        if case .uint64(let v) = unwrappedVariant { v } else { nil }
    }

    public var double: Double? {
        if case .double(let v) = unwrappedVariant { v } else { nil }
    }

    /// The text of a `s` value (not of `o` or `g`; see `objectPath`, `signatureText`).
    public var string: String? {
        if case .string(let v) = unwrappedVariant { v } else { nil }
    }

    public var objectPath: String? {
        if case .objectPath(let v) = unwrappedVariant { v } else { nil }
    }

    public var signatureText: String? {
        if case .signature(let v) = unwrappedVariant { v } else { nil }
    }

    /// The elements of an array (not of a dictionary).
    public var array: [DBusValue]? {
        if case .array(_, let v) = unwrappedVariant { v } else { nil }
    }

    /// The elements of an `as`.
    public var stringArray: [String]? {
        guard case .array(.string, let elements) = unwrappedVariant else { return nil }
        return elements.compactMap(\.string)
    }

    /// The bytes of an `ay`.
    public var byteArray: [UInt8]? {
        guard case .array(.byte, let elements) = unwrappedVariant else { return nil }
        return elements.compactMap(\.byte)
    }

    public var structure: [DBusValue]? {
        if case .structure(let v) = unwrappedVariant { v } else { nil }
    }

    public var dictionaryEntries: [DBusDictEntry]? {
        if case .dictionary(_, _, let v) = unwrappedVariant { v } else { nil }
    }

    /// A dictionary with string keys as a Swift dictionary (values as stored, e.g. still variants for `a{sv}`).
    public var stringKeyedDictionary: [String: DBusValue]? {
        guard case .dictionary(.string, _, let entries) = unwrappedVariant else { return nil }
        var result: [String: DBusValue] = [:]
        for entry in entries {
            if let key = entry.key.string { result[key] = entry.value }
        }
        return result
    }

    /// Looks a key up in a dictionary with string keys; nil when absent or when this is not such a dictionary.
    public subscript(key: String) -> DBusValue? {
        guard case .dictionary(.string, _, let entries) = unwrappedVariant else { return nil }
        return entries.first { $0.key.string == key }?.value
    }
}
