import Foundation
import Testing
import TrtcServer

/// The pre-authentication limits as flags and config keys (docs/spec.md §5).
@Suite("trtc-server limit flags and config keys")
struct ServerLimitFlagsTests {
    static let credentials = ["--app", "1400000001:key", "--api-credential", "AKIDx:key"]

    static func configuration(_ arguments: [String]) throws -> ServerConfiguration {
        try ServerCommand.parse(credentials + arguments).makeConfiguration().0
    }

    @Test("defaults: enter and request-head deadlines 10 s, 20000 connections, 256 per IP")
    func defaults() throws {
        let configuration = try Self.configuration([])
        #expect(configuration.enterTimeout == .seconds(10))
        #expect(configuration.requestHeadTimeout == .seconds(10))
        #expect(configuration.maxConnections == 20_000)
        #expect(configuration.maxConnectionsPerIP == 256)
    }

    @Test("flags win over the config file's keys")
    func flagsAndKeys() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-limits-\(UUID()).json")
        try Data(#"{"enterTimeoutSeconds": 2.5, "requestHeadTimeoutSeconds": 3, "maxConnections": 100, "maxConnectionsPerIp": 0}"#.utf8)
            .write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try Self.configuration(["--config", file.path])
        #expect(fromFile.enterTimeout == .milliseconds(2500))
        #expect(fromFile.requestHeadTimeout == .seconds(3))
        #expect(fromFile.maxConnections == 100)
        #expect(fromFile.maxConnectionsPerIP == 0)
        let flags = try Self.configuration(["--config", file.path, "--enter-timeout", "0.5", "--request-head-timeout", "1",
                                            "--max-connections", "7", "--max-connections-per-ip", "3"])
        #expect(flags.enterTimeout == .milliseconds(500))
        #expect(flags.requestHeadTimeout == .seconds(1))
        #expect(flags.maxConnections == 7)
        #expect(flags.maxConnectionsPerIP == 3)
    }

    @Test("out-of-range values are usage errors")
    func badValues() {
        for arguments in [["--enter-timeout", "0"], ["--enter-timeout", "3601"], ["--request-head-timeout", "-1"],
                          ["--max-connections", "0"], ["--max-connections-per-ip", "-1"]] {
            #expect(throws: (any Error).self, "\(arguments)") { try Self.configuration(arguments) }
        }
    }
}
