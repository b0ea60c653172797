import CDBus
import Testing
@testable import TrtcDBus

/// Inputs the libFuzzer harnesses (Fuzz/Targets, scripts/fuzz) stopped on, kept as tests of what they showed.
@Suite("Fuzz regressions: D-Bus arguments")
struct DBusFuzzRegressionTests {
    /// fuzz-dbus: a method call whose struct holds a NaN double (bytes dbus-fast marshalled, mutated). Reading it
    /// gives a NaN, which is not equal to itself; marshalling and reading it again gives the same bits.
    @Test("a NaN double among struct fields reads, marshals and reads again unchanged")
    func nanDouble() throws {
        guard let message = dbus_message_new_method_call("org.trtcd.Trtc1", "/org/trtcd/Trtc1/Room", "org.trtcd.Trtc1.Room", "Set")
        else {
            Issue.record("out of memory")
            return
        }
        defer { dbus_message_unref(message) }
        let nan = Double(bitPattern: 0x7FF8_0000_0000_00A5)
        let arguments: [DBusValue] = [.structure([.byte(7), .int64(-5), .double(nan), .array(.string, [.string("x")])])]
        #expect(DBusValue.append(arguments, to: message))
        let read = try DBusValue.readArguments(of: message)
        guard case .structure(let fields)? = read.first, fields.count == 4, case .double(let value) = fields[2] else {
            Issue.record("not the struct written: \(read)")
            return
        }
        #expect(value.isNaN && value.bitPattern == nan.bitPattern)
        #expect("\(read)" == "\(arguments)")
    }
}
