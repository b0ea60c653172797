import TrtcCore
import TrtcDBus

extension DBusValue {
    /// The value as JSON for `--json` output: variants unwrapped, string-keyed dictionaries as objects,
    /// other dictionaries as arrays of [key, value] pairs, structures as arrays.
    var jsonValue: JSONValue {
        switch self {
        case .byte(let v): .integer(Int64(v))
        case .boolean(let v): .bool(v)
        case .int16(let v): .integer(Int64(v))
        case .uint16(let v): .integer(Int64(v))
        case .int32(let v): .integer(Int64(v))
        case .uint32(let v): .integer(Int64(v))
        case .int64(let v): .integer(v)
        case .uint64(let v): v <= UInt64(Int64.max) ? .integer(Int64(v)) : .number(Double(v))
        case .double(let v): .number(v)
        case .string(let v), .objectPath(let v), .signature(let v): .string(v)
        case .variant(let inner): inner.jsonValue
        case .array(_, let elements): .array(elements.map(\.jsonValue))
        case .dictionary(.string, _, let entries):
            .object(Dictionary(entries.map { ($0.key.string ?? "", $0.value.jsonValue) }, uniquingKeysWith: { _, last in last }))
        case .dictionary(_, _, let entries): .array(entries.map { .array([$0.key.jsonValue, $0.value.jsonValue]) })
        case .structure(let fields): .array(fields.map(\.jsonValue))
        }
    }
}
