import TrtcCore
import TrtcDBus

extension DBusValue {
    /// The value for human-readable output: plain words bare, other strings JSON-quoted, `[a, b]` for arrays,
    /// `key=value …` for string-keyed dictionaries.
    var plainText: String {
        switch self {
        case .byte(let v): String(v)
        case .boolean(let v): v ? "true" : "false"
        case .int16(let v): String(v)
        case .uint16(let v): String(v)
        case .int32(let v): String(v)
        case .uint32(let v): String(v)
        case .int64(let v): String(v)
        case .uint64(let v): String(v)
        case .double(let v): String(v)
        case .string(let v), .objectPath(let v), .signature(let v): Self.word(v)
        case .variant(let inner): inner.plainText
        case .array(_, let elements): "[" + elements.map(\.plainText).joined(separator: ", ") + "]"
        case .dictionary(.string, _, let entries):
            entries.map { ($0.key.string ?? "") + "=" + $0.value.plainText }.joined(separator: " ")
        case .dictionary(_, _, let entries):
            "{" + entries.map { $0.key.plainText + ": " + $0.value.plainText }.joined(separator: ", ") + "}"
        case .structure(let fields): "(" + fields.map(\.plainText).joined(separator: ", ") + ")"
        }
    }

    /// A string as itself when that cannot be misread (no spaces, quotes, separators or control characters).
    private static func word(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && !"\"'\\,=[]{}()".unicodeScalars.contains(scalar)
        }
        return plain ? text : JSONCoding.print(.string(text))
    }
}
