internal import CDBus

// Conversion between DBusValue and libdbus message iterators. Runs on a connection's owner thread only;
// values are validated (DBusValue.validate) before they get here.
extension DBusValue {
    /// Appends validated values to a message body. Returns false only when libdbus is out of memory.
    static func append(_ values: [DBusValue], to message: OpaquePointer) -> Bool {
        var iter = DBusMessageIter()
        dbus_message_iter_init_append(message, &iter)
        for value in values {
            guard value.append(to: &iter) else { return false }
        }
        return true
    }

    private func appendBasic(_ iter: UnsafeMutablePointer<DBusMessageIter>, _ code: Int32, _ fill: (inout DBusBasicValue) -> Void) -> Bool {
        var basic = DBusBasicValue()
        fill(&basic)
        return cdbus_iter_append_basic(iter, code, basic) != 0
    }

    private func appendText(_ iter: UnsafeMutablePointer<DBusMessageIter>, _ code: Int32, _ text: String) -> Bool {
        text.withCString { pointer in
            var basic = DBusBasicValue()
            basic.str = UnsafeMutablePointer(mutating: pointer)
            return cdbus_iter_append_basic(iter, code, basic) != 0
        }
    }

    private func appendContainer(
        _ iter: UnsafeMutablePointer<DBusMessageIter>, _ code: Int32, _ contained: String?,
        _ body: (UnsafeMutablePointer<DBusMessageIter>) -> Bool
    ) -> Bool {
        var sub = DBusMessageIter()
        let opened: Bool
        if let contained {
            opened = contained.withCString { dbus_message_iter_open_container(iter, code, $0, &sub) } != 0
        } else {
            opened = dbus_message_iter_open_container(iter, code, nil, &sub) != 0
        }
        guard opened else { return false }
        guard body(&sub) else {
            dbus_message_iter_abandon_container(iter, &sub)
            return false
        }
        return dbus_message_iter_close_container(iter, &sub) != 0
    }

    func append(to iter: UnsafeMutablePointer<DBusMessageIter>) -> Bool {
        switch self {
        case .byte(let v): return appendBasic(iter, CDBUS_TYPE_BYTE) { $0.byt = v }
        case .boolean(let v): return appendBasic(iter, CDBUS_TYPE_BOOLEAN) { $0.bool_val = v ? 1 : 0 }
        case .int16(let v): return appendBasic(iter, CDBUS_TYPE_INT16) { $0.i16 = v }
        case .uint16(let v): return appendBasic(iter, CDBUS_TYPE_UINT16) { $0.u16 = v }
        case .int32(let v): return appendBasic(iter, CDBUS_TYPE_INT32) { $0.i32 = v }
        case .uint32(let v): return appendBasic(iter, CDBUS_TYPE_UINT32) { $0.u32 = v }
        case .int64(let v): return appendBasic(iter, CDBUS_TYPE_INT64) { $0.i64 = dbus_int64_t(v) }
        case .uint64(let v): return appendBasic(iter, CDBUS_TYPE_UINT64) { $0.u64 = dbus_uint64_t(v) }
        case .double(let v): return appendBasic(iter, CDBUS_TYPE_DOUBLE) { $0.dbl = v }
        case .string(let v): return appendText(iter, CDBUS_TYPE_STRING, v)
        case .objectPath(let v): return appendText(iter, CDBUS_TYPE_OBJECT_PATH, v)
        case .signature(let v): return appendText(iter, CDBUS_TYPE_SIGNATURE, v)
        case .variant(let inner):
            return appendContainer(iter, CDBUS_TYPE_VARIANT, inner.signature) { inner.append(to: $0) }
        case .array(let elementType, let elements):
            return appendContainer(iter, CDBUS_TYPE_ARRAY, elementType.signature) { sub in
                elements.allSatisfy { $0.append(to: sub) }
            }
        case .dictionary(let keyType, let valueType, let entries):
            return appendContainer(iter, CDBUS_TYPE_ARRAY, "{" + keyType.signature + valueType.signature + "}") { sub in
                entries.allSatisfy { entry in
                    appendContainer(sub, CDBUS_TYPE_DICT_ENTRY, nil) { entryIter in
                        entry.key.append(to: entryIter) && entry.value.append(to: entryIter)
                    }
                }
            }
        case .structure(let fields):
            return appendContainer(iter, CDBUS_TYPE_STRUCT, nil) { sub in
                fields.allSatisfy { $0.append(to: sub) }
            }
        }
    }

    /// Reads a whole message body.
    static func readArguments(of message: OpaquePointer) throws -> [DBusValue] {
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(message, &iter) != 0 else { return [] }
        var values: [DBusValue] = []
        while dbus_message_iter_get_arg_type(&iter) != CDBUS_TYPE_INVALID {
            values.append(try read(from: &iter))
            dbus_message_iter_next(&iter)
        }
        return values
    }

    private static func text(_ iter: UnsafeMutablePointer<DBusMessageIter>) -> String {
        let basic = cdbus_iter_get_basic(iter)
        guard let pointer = basic.str else { return "" }
        return String(cString: pointer)
    }

    /// The complete type at the iterator's position, from libdbus's own signature for it.
    private static func currentType(_ iter: UnsafeMutablePointer<DBusMessageIter>) throws -> DBusType {
        guard let raw = dbus_message_iter_get_signature(iter) else {
            throw DBusError.failed("out of memory reading a message signature")
        }
        defer { dbus_free(raw) }
        return try DBusType.parseSingle(String(cString: raw))
    }

    /// Reads the value at the iterator's position (does not advance it).
    static func read(from iter: UnsafeMutablePointer<DBusMessageIter>) throws -> DBusValue {
        let code = dbus_message_iter_get_arg_type(iter)
        switch code {
        case CDBUS_TYPE_BYTE: return .byte(cdbus_iter_get_basic(iter).byt)
        case CDBUS_TYPE_BOOLEAN: return .boolean(cdbus_iter_get_basic(iter).bool_val != 0)
        case CDBUS_TYPE_INT16: return .int16(cdbus_iter_get_basic(iter).i16)
        case CDBUS_TYPE_UINT16: return .uint16(cdbus_iter_get_basic(iter).u16)
        case CDBUS_TYPE_INT32: return .int32(cdbus_iter_get_basic(iter).i32)
        case CDBUS_TYPE_UINT32: return .uint32(cdbus_iter_get_basic(iter).u32)
        case CDBUS_TYPE_INT64: return .int64(Int64(cdbus_iter_get_basic(iter).i64))
        case CDBUS_TYPE_UINT64: return .uint64(UInt64(cdbus_iter_get_basic(iter).u64))
        case CDBUS_TYPE_DOUBLE: return .double(cdbus_iter_get_basic(iter).dbl)
        case CDBUS_TYPE_STRING: return .string(text(iter))
        case CDBUS_TYPE_OBJECT_PATH: return .objectPath(text(iter))
        case CDBUS_TYPE_SIGNATURE: return .signature(text(iter))
        case CDBUS_TYPE_VARIANT:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(iter, &sub)
            return .variant(try read(from: &sub))
        case CDBUS_TYPE_STRUCT:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(iter, &sub)
            var fields: [DBusValue] = []
            while dbus_message_iter_get_arg_type(&sub) != CDBUS_TYPE_INVALID {
                fields.append(try read(from: &sub))
                dbus_message_iter_next(&sub)
            }
            return .structure(fields)
        case CDBUS_TYPE_ARRAY:
            let arrayType = try currentType(iter)
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(iter, &sub)
            switch arrayType {
            case .dictionary(let keyType, let valueType):
                var entries: [DBusDictEntry] = []
                while dbus_message_iter_get_arg_type(&sub) == CDBUS_TYPE_DICT_ENTRY {
                    var entryIter = DBusMessageIter()
                    dbus_message_iter_recurse(&sub, &entryIter)
                    let key = try read(from: &entryIter)
                    dbus_message_iter_next(&entryIter)
                    let value = try read(from: &entryIter)
                    entries.append(DBusDictEntry(key: key, value: value))
                    dbus_message_iter_next(&sub)
                }
                return .dictionary(key: keyType, value: valueType, entries)
            case .array(let elementType):
                var elements: [DBusValue] = []
                while dbus_message_iter_get_arg_type(&sub) != CDBUS_TYPE_INVALID {
                    elements.append(try read(from: &sub))
                    dbus_message_iter_next(&sub)
                }
                return .array(elementType, elements)
            default:
                throw DBusError.failed("array iterator with non-array signature '\(arrayType)'")
            }
        case CDBUS_TYPE_UNIX_FD:
            throw DBusError.invalidArgs("unix file descriptors ('h') are not supported")
        default:
            throw DBusError.invalidArgs("unknown D-Bus type code \(code)")
        }
    }
}
