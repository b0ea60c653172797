/// A small well-formedness-checking XML reader for D-Bus introspection documents: elements and attributes only.
///
/// Introspection XML needs no namespaces, DTD processing or text content, and Foundation's XMLParser would link
/// libxml2 and ICU (FoundationXML, ~1.4 MiB resident) into every program that parses it, trtcd included.
/// Skipped: the XML declaration, processing instructions, comments, CDATA, DOCTYPE and text. Checked: tag and
/// attribute syntax, quoting, the five predefined and numeric character references, nesting, a single root.
struct DBusXMLScanner {
    enum Event: Equatable {
        case start(name: String, attributes: [String: String])
        case end(name: String)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let bytes: [UInt8]
    private var index = 0
    private var open: [String] = []
    private var rootClosed = false
    private var pendingEnd: String?

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// The next element event, nil at the end of a well-formed document.
    mutating func next() throws(Failure) -> Event? {
        if let name = pendingEnd {
            pendingEnd = nil
            return closeElement(name)
        }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                try skipText()
                continue
            }
            if starts(with: "<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if starts(with: "<!--") {
                try skip(past: "-->", what: "comment")
            } else if starts(with: "<![CDATA[") {
                guard !open.isEmpty else { throw Failure(description: "CDATA outside the root element") }
                try skip(past: "]]>", what: "CDATA section")
            } else if starts(with: "<!") {
                try skipDeclaration()
            } else if starts(with: "</") {
                return try readEndTag()
            } else {
                return try readStartTag()
            }
        }
        if let unclosed = open.last { throw Failure(description: "element <\(unclosed)> is not closed") }
        guard rootClosed else { throw Failure(description: "no root element") }
        return nil
    }

    // MARK: markup

    private mutating func readStartTag() throws(Failure) -> Event {
        index += 1
        if open.isEmpty && rootClosed { throw Failure(description: "content after the root element at byte \(index)") }
        let name = try readName(what: "element name")
        var attributes: [String: String] = [:]
        while true {
            let hadSpace = skipWhitespace()
            guard index < bytes.count else { throw Failure(description: "unterminated tag <\(name)>") }
            if starts(with: "/>") {
                index += 2
                open.append(name)
                pendingEnd = name
                return .start(name: name, attributes: attributes)
            }
            if bytes[index] == UInt8(ascii: ">") {
                index += 1
                open.append(name)
                return .start(name: name, attributes: attributes)
            }
            guard hadSpace else { throw Failure(description: "expected whitespace before an attribute of <\(name)> at byte \(index)") }
            let attribute = try readName(what: "attribute name in <\(name)>")
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                throw Failure(description: "attribute \(attribute) of <\(name)> has no value")
            }
            index += 1
            skipWhitespace()
            let value = try readQuoted(attribute: attribute, element: name)
            guard attributes.updateValue(value, forKey: attribute) == nil else {
                throw Failure(description: "attribute \(attribute) repeated in <\(name)>")
            }
        }
    }

    private mutating func readEndTag() throws(Failure) -> Event {
        index += 2
        let name = try readName(what: "end tag name")
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else {
            throw Failure(description: "unterminated end tag </\(name)>")
        }
        index += 1
        guard open.last == name else {
            throw Failure(description: open.last.map { "</\(name)> closes <\($0)>" } ?? "unexpected </\(name)>")
        }
        return closeElement(name)
    }

    private mutating func closeElement(_ name: String) -> Event {
        open.removeLast()
        if open.isEmpty { rootClosed = true }
        return .end(name: name)
    }

    private mutating func readName(what: String) throws(Failure) -> String {
        let start = index
        while index < bytes.count, Self.isNameByte(bytes[index], first: index == start) { index += 1 }
        guard index > start else { throw Failure(description: "expected \(what) at byte \(start)") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func readQuoted(attribute: String, element: String) throws(Failure) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw Failure(description: "value of \(attribute) in <\(element)> is not quoted")
        }
        let quote = bytes[index]
        index += 1
        var value: [UInt8] = []
        while index < bytes.count, bytes[index] != quote {
            switch bytes[index] {
            case UInt8(ascii: "<"):
                throw Failure(description: "'<' in the value of \(attribute) in <\(element)>")
            case UInt8(ascii: "&"):
                value += try readReference()
            default:
                value.append(bytes[index])
                index += 1
            }
        }
        guard index < bytes.count else { throw Failure(description: "unterminated value of \(attribute) in <\(element)>") }
        index += 1
        return String(decoding: value, as: UTF8.self)
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#N;` `&#xN;` → UTF-8 bytes.
    private mutating func readReference() throws(Failure) -> [UInt8] {
        let start = index
        guard let semicolon = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
            throw Failure(description: "unterminated character reference at byte \(start)")
        }
        let body = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
        index = semicolon + 1
        switch body {
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "amp": return [UInt8(ascii: "&")]
        case "quot": return [UInt8(ascii: "\"")]
        case "apos": return [UInt8(ascii: "'")]
        default:
            let scalar: UInt32? = if body.hasPrefix("#x") { UInt32(body.dropFirst(2), radix: 16) }
                else if body.hasPrefix("#") { UInt32(body.dropFirst(), radix: 10) } else { nil }
            guard let scalar, scalar != 0, let character = Unicode.Scalar(scalar) else {
                throw Failure(description: "unknown reference &\(body); at byte \(start)")
            }
            return Array(String(character).utf8)
        }
    }

    // MARK: skipped parts

    private mutating func skipText() throws(Failure) {
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
        if open.isEmpty, bytes[start..<index].contains(where: { !Self.isWhitespace($0) }) {
            throw Failure(description: "text outside the root element at byte \(start)")
        }
    }

    private mutating func skip(past terminator: String, what: String) throws(Failure) {
        let start = index
        let pattern = Array(terminator.utf8)
        index += 2
        while index + pattern.count <= bytes.count {
            if bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                index += pattern.count
                return
            }
            index += 1
        }
        throw Failure(description: "unterminated \(what) at byte \(start)")
    }

    /// `<!DOCTYPE …>` and other declarations: to the matching `>`, over quoted strings and an internal subset.
    private mutating func skipDeclaration() throws(Failure) {
        let start = index
        guard open.isEmpty, !rootClosed else { throw Failure(description: "declaration inside the document at byte \(start)") }
        index += 2
        var quote: UInt8?
        var subsetDepth = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "[") {
                subsetDepth += 1
            } else if byte == UInt8(ascii: "]") {
                subsetDepth -= 1
            } else if byte == UInt8(ascii: ">"), subsetDepth <= 0 {
                return
            }
        }
        throw Failure(description: "unterminated declaration at byte \(start)")
    }

    // MARK: bytes

    private func starts(with prefix: String) -> Bool {
        let pattern = Array(prefix.utf8)
        return index + pattern.count <= bytes.count && bytes[index..<(index + pattern.count)].elementsEqual(pattern)
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        return index > start
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// ASCII letters, `_`, `:` and any non-ASCII byte start a name; digits, `-` and `.` may follow.
    private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"), UInt8(ascii: ":"), 0x80...:
            true
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
            !first
        default:
            false
        }
    }
}
