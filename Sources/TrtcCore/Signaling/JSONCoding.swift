import Foundation

/// Parsing and printing of JSON values with the limits every network input needs.
public enum JSONCoding {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses a JSON document. Inputs larger than `maxBytes` are refused before parsing.
    public static func parse(_ bytes: some Collection<UInt8>, maxBytes: Int = 64 * 1024) throws(ParseError) -> JSONValue {
        guard bytes.count <= maxBytes else {
            throw ParseError(description: "message of \(bytes.count) bytes exceeds the limit of \(maxBytes)")
        }
        guard !bytes.isEmpty else { throw ParseError(description: "empty message") }
        let parsed: Result<JSONValue, ParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(ParseError) -> JSONValue in try JSONParser.parse(buffer) }
        }
        if let parsed { return try parsed.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer in
            Result { () throws(ParseError) -> JSONValue in try JSONParser.parse(buffer) }
        }.get()
    }

    public static func parse(_ text: String, maxBytes: Int = 64 * 1024) throws(ParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(ParseError) -> JSONValue in try parse(buffer, maxBytes: maxBytes) }
        }.get()
    }

    /// Prints a value as compact JSON text.
    public static func print(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    private static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d): out += d.isFinite ? "\(d)" : "null"
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            // Sorted keys: stable output for logs and tests.
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(fields[key]!, into: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
