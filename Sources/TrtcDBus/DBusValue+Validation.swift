extension DBusValue {
    /// Checks everything libdbus would otherwise reject fatally (it aborts the process on invalid
    /// input), so bad values become a thrown `InvalidArgs` error instead of a crash.
    func validate(arrayDepth: Int = 0, structDepth: Int = 0) throws {
        switch self {
        case .string(let text):
            guard !text.utf8.contains(0) else { throw DBusError.invalidArgs("string contains a NUL character") }
        case .objectPath(let path):
            try DBusNames.validateObjectPath(path)
        case .signature(let signature):
            _ = try DBusType.parse(signature)
        case .variant(let inner):
            guard arrayDepth + structDepth < 64 else { throw DBusError.invalidArgs("values nested deeper than 64") }
            try inner.validate()
        case .array(let elementType, let elements):
            try DBusType.array(elementType).validate(arrayDepth: arrayDepth, structDepth: structDepth)
            for element in elements {
                guard element.type == elementType else {
                    throw DBusError.invalidArgs("array of '\(elementType)' holds a '\(element.type)' element")
                }
                try element.validate(arrayDepth: arrayDepth + 1, structDepth: structDepth)
            }
        case .dictionary(let keyType, let valueType, let entries):
            try DBusType.dictionary(key: keyType, value: valueType).validate(arrayDepth: arrayDepth, structDepth: structDepth)
            for entry in entries {
                guard entry.key.type == keyType, entry.value.type == valueType else {
                    throw DBusError.invalidArgs(
                        "dictionary of '{\(keyType)\(valueType)}' holds a '{\(entry.key.type)\(entry.value.type)}' entry")
                }
                try entry.key.validate(arrayDepth: arrayDepth + 1, structDepth: structDepth + 1)
                try entry.value.validate(arrayDepth: arrayDepth + 1, structDepth: structDepth + 1)
            }
        case .structure(let fields):
            guard !fields.isEmpty else { throw DBusError.invalidArgs("empty structure") }
            guard structDepth < 32 else { throw DBusError.invalidArgs("structures nested deeper than 32") }
            for field in fields { try field.validate(arrayDepth: arrayDepth, structDepth: structDepth + 1) }
        default:
            break
        }
    }

    static func validate(arguments: [DBusValue]) throws {
        for argument in arguments { try argument.validate() }
        guard signature(of: arguments).utf8.count <= 255 else {
            throw DBusError.invalidArgs("the arguments' signature is longer than 255 bytes")
        }
    }
}
