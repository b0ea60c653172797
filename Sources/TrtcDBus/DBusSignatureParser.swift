/// Recursive-descent parser for D-Bus signatures.
struct DBusSignatureParser {
    private let text: String
    private let bytes: [UInt8]
    private var index = 0

    init(_ signature: String) {
        text = signature
        bytes = Array(signature.utf8)
    }

    static func error(_ signature: String, _ reason: String) -> DBusError {
        DBusError(name: DBusError.invalidSignatureName, message: "invalid D-Bus signature '\(signature)': \(reason)")
    }

    mutating func parseAll() throws -> [DBusType] {
        guard bytes.count <= 255 else { throw Self.error(text, "longer than 255 bytes") }
        var types: [DBusType] = []
        while index < bytes.count {
            types.append(try parseOne(arrayDepth: 0, structDepth: 0))
        }
        return types
    }

    private mutating func parseOne(arrayDepth: Int, structDepth: Int) throws -> DBusType {
        guard index < bytes.count else { throw Self.error(text, "ends in the middle of a type") }
        let code = bytes[index]
        index += 1
        switch code {
        case UInt8(ascii: "y"): return .byte
        case UInt8(ascii: "b"): return .boolean
        case UInt8(ascii: "n"): return .int16
        case UInt8(ascii: "q"): return .uint16
        case UInt8(ascii: "i"): return .int32
        case UInt8(ascii: "u"): return .uint32
        case UInt8(ascii: "x"): return .int64
        case UInt8(ascii: "t"): return .uint64
        case UInt8(ascii: "d"): return .double
        case UInt8(ascii: "s"): return .string
        case UInt8(ascii: "o"): return .objectPath
        case UInt8(ascii: "g"): return .signature
        case UInt8(ascii: "v"): return .variant
        case UInt8(ascii: "h"): throw Self.error(text, "unix file descriptors ('h') are not supported")
        case UInt8(ascii: "a"):
            guard arrayDepth < 32 else { throw Self.error(text, "arrays nested deeper than 32") }
            if index < bytes.count, bytes[index] == UInt8(ascii: "{") {
                index += 1
                let key = try parseOne(arrayDepth: arrayDepth + 1, structDepth: structDepth + 1)
                guard key.isBasic else { throw Self.error(text, "dictionary key '\(key)' is not a basic type") }
                let value = try parseOne(arrayDepth: arrayDepth + 1, structDepth: structDepth + 1)
                guard index < bytes.count, bytes[index] == UInt8(ascii: "}") else {
                    throw Self.error(text, "dictionary entry must hold exactly a key and a value")
                }
                index += 1
                return .dictionary(key: key, value: value)
            }
            return .array(try parseOne(arrayDepth: arrayDepth + 1, structDepth: structDepth))
        case UInt8(ascii: "("):
            guard structDepth < 32 else { throw Self.error(text, "structures nested deeper than 32") }
            var fields: [DBusType] = []
            while true {
                guard index < bytes.count else { throw Self.error(text, "unclosed structure") }
                if bytes[index] == UInt8(ascii: ")") {
                    index += 1
                    break
                }
                fields.append(try parseOne(arrayDepth: arrayDepth, structDepth: structDepth + 1))
            }
            guard !fields.isEmpty else { throw Self.error(text, "empty structure") }
            return .structure(fields)
        case UInt8(ascii: "{"):
            throw Self.error(text, "dictionary entry outside an array")
        default:
            throw Self.error(text, "unknown type code '\(Character(Unicode.Scalar(code)))'")
        }
    }
}
