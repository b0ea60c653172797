import Foundation
import Testing
@testable import TrtcHarness

/// Lookups in `pw-dump` must not take a failed or broken dump for "no such node": the old lookup did, so every
/// "node is gone" check could pass with the node still there.
@Suite("PipeWireTestEnvironment: node lookups through pw-dump")
struct PipeWireDumpTests {
    static let dumpWithNode = #"[{"id": 42, "type": "PipeWire:Interface:Node", "info": {"props": {"node.name": "trtcd.remote.bob.main"}}}]"#

    /// An environment whose `pw-dump` is a script that prints `output` and exits with `status`.
    static func withFakeDump(printing output: String, status: Int32, _ body: (PipeWireTestEnvironment) throws -> Void) throws {
        let directory = try BuiltProducts.temporaryDirectory("fake-pw-dump")
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("pw-dump")
        try "#!/bin/sh\nprintf '%s' '\(output)'\nexit \(status)\n".write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o755)
        let path = directory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        try body(PipeWireTestEnvironment(directory: directory.path, exports: ["PATH": path], script: "/bin/false"))
    }

    @Test("a node in the dump is found; a good dump without it says nil")
    func lookup() throws {
        try Self.withFakeDump(printing: Self.dumpWithNode, status: 0) { environment throws in
            #expect(try environment.nodeId(named: "trtcd.remote.bob.main") == 42)
            #expect(try environment.nodeId(named: "trtcd.remote.bob.sub") == nil)
        }
        try Self.withFakeDump(printing: "[]", status: 0) { environment throws in
            #expect(try environment.nodeId(named: "trtcd.remote.bob.main") == nil)
        }
    }

    @Test("pw-dump exiting non-zero is an error, not an absent node")
    func failedDump() throws {
        try Self.withFakeDump(printing: "", status: 1) { environment throws in
            #expect(throws: ProcessFailure.self) { try environment.nodeId(named: "trtcd.remote.bob.main") }
        }
    }

    @Test("a dump that is not a JSON array is an error, not an absent node")
    func malformedDump() throws {
        try Self.withFakeDump(printing: #"[{"id": 42, "type": "PipeWire:Int"#, status: 0) { environment throws in
            #expect(throws: ProcessFailure.self) { try environment.nodeId(named: "trtcd.remote.bob.main") }
        }
    }
}
