/// A complete D-Bus type: what one signature element describes.
public indirect enum DBusType: Sendable, Hashable, CustomStringConvertible {
    case byte, boolean, int16, uint16, int32, uint32, int64, uint64, double
    case string, objectPath, signature
    case variant
    case array(DBusType)
    case dictionary(key: DBusType, value: DBusType)
    case structure([DBusType])

    /// The signature of this single type, e.g. `a{sv}`.
    public var signature: String {
        switch self {
        case .byte: "y"
        case .boolean: "b"
        case .int16: "n"
        case .uint16: "q"
        case .int32: "i"
        case .uint32: "u"
        case .int64: "x"
        case .uint64: "t"
        case .double: "d"
        case .string: "s"
        case .objectPath: "o"
        case .signature: "g"
        case .variant: "v"
        case .array(let element): "a" + element.signature
        case .dictionary(let key, let value): "a{" + key.signature + value.signature + "}"
        case .structure(let fields): "(" + fields.map(\.signature).joined() + ")"
        }
    }

    public var description: String { signature }

    /// Basic types are the only ones allowed as dictionary keys.
    public var isBasic: Bool {
        switch self {
        case .variant, .array, .dictionary, .structure: false
        default: true
        }
    }

    /// The signature of a sequence of types (a message body).
    public static func signature(of types: [DBusType]) -> String {
        types.map(\.signature).joined()
    }

    /// Parses a signature of zero or more complete types; throws `InvalidSignature` for anything
    /// the D-Bus specification rejects (or for `h`, which this library does not carry).
    public static func parse(_ signature: String) throws -> [DBusType] {
        var parser = DBusSignatureParser(signature)
        return try parser.parseAll()
    }

    /// Parses a signature that must hold exactly one complete type.
    public static func parseSingle(_ signature: String) throws -> DBusType {
        let types = try parse(signature)
        guard types.count == 1 else {
            throw DBusError(
                name: DBusError.invalidSignatureName,
                message: "signature '\(signature)' must hold exactly one complete type, it holds \(types.count)")
        }
        return types[0]
    }

    /// Checks the rules a hand-built type must follow (dictionary keys basic, structs non-empty, nesting depth).
    func validate(arrayDepth: Int = 0, structDepth: Int = 0) throws {
        switch self {
        case .array(let element):
            guard arrayDepth < 32 else { throw DBusSignatureParser.error(signature, "arrays nested deeper than 32") }
            try element.validate(arrayDepth: arrayDepth + 1, structDepth: structDepth)
        case .dictionary(let key, let value):
            guard arrayDepth < 32 else { throw DBusSignatureParser.error(signature, "arrays nested deeper than 32") }
            guard key.isBasic else { throw DBusSignatureParser.error(signature, "dictionary key '\(key)' is not a basic type") }
            try value.validate(arrayDepth: arrayDepth + 1, structDepth: structDepth + 1)
        case .structure(let fields):
            guard !fields.isEmpty else { throw DBusSignatureParser.error(signature, "empty structure") }
            guard structDepth < 32 else { throw DBusSignatureParser.error(signature, "structures nested deeper than 32") }
            for field in fields { try field.validate(arrayDepth: arrayDepth, structDepth: structDepth + 1) }
        default:
            break
        }
    }
}
