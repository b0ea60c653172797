/// Typed access to the fields of a JSON object message, with errors that name the field.
struct MessageFields {
    let fields: [String: JSONValue]
    let seq: UInt32?

    init(_ value: JSONValue) throws(SignalingError) {
        guard case .object(let fields) = value else {
            throw .badMessage("a message must be a JSON object")
        }
        self.fields = fields
        if let raw = fields["seq"] {
            guard case .integer(let n) = raw, let seq = UInt32(exactly: n) else {
                throw .badMessage("seq must be an unsigned 32-bit integer")
            }
            self.seq = seq
        } else {
            self.seq = nil
        }
    }

    func type() throws(SignalingError) -> String {
        guard let raw = fields["type"] else { throw .badMessage("message has no type", seq: seq) }
        guard case .string(let type) = raw else { throw .badMessage("type must be a string", seq: seq) }
        return type
    }

    func requireSeq() throws(SignalingError) -> UInt32 {
        guard let seq else { throw .badMessage("this message needs a seq") }
        return seq
    }

    /// An optional string; `code` is what a wrong type is reported as.
    func string(_ key: String, code: TrtcErrorCode = .refused) throws(SignalingError) -> String? {
        guard let raw = fields[key], raw != .null else { return nil }
        guard case .string(let value) = raw else { throw wrongType(key, "a string", raw, code) }
        return value
    }

    func integer(_ key: String, code: TrtcErrorCode = .refused) throws(SignalingError) -> Int64? {
        guard let raw = fields[key], raw != .null else { return nil }
        guard case .integer(let value) = raw else { throw wrongType(key, "an integer", raw, code) }
        return value
    }

    /// An optional 32-bit SSRC; present but out of range is an error.
    func ssrc(_ key: String) throws(SignalingError) -> UInt32? {
        guard let raw = try integer(key) else { return nil }
        guard let ssrc = UInt32(exactly: raw) else { throw .badMessage("\(key) \(raw) is not a 32-bit SSRC") }
        return ssrc
    }

    func bool(_ key: String) throws(SignalingError) -> Bool? {
        guard let raw = fields[key], raw != .null else { return nil }
        guard case .bool(let value) = raw else { throw wrongType(key, "a boolean", raw, .refused) }
        return value
    }

    func role(_ key: String) throws(SignalingError) -> Role? {
        guard let text = try string(key) else { return nil }
        guard let role = Role(rawValue: text) else {
            throw .badMessage("\(key) must be anchor or audience, not \(text.debugDescription)", seq: seq)
        }
        return role
    }

    private func wrongType(_ key: String, _ expected: String, _ raw: JSONValue, _ code: TrtcErrorCode) -> SignalingError {
        let message = "\(key) must be \(expected), not a \(raw.typeName)"
        if code == .refused { return .badMessage(message, seq: seq) }
        return SignalingError(seq: seq, TrtcError(code, message))
    }
}
