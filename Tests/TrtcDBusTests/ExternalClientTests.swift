import Testing
import TrtcDBus
import TrtcHarness

@Suite("Non-Swift clients against an exported object")
struct ExternalClientTests {
    @Test("busctl and gdbus call the exported object")
    func busctlAndGdbus() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let busctl = try await CommandRun.run(
                "/usr/bin/busctl",
                ["--address=\(address)", "call", TestService.busName, TestService.path, TestService.interfaceName,
                 "Echo", "a{sv}", "2", "roomId", "u", "1234", "userId", "s", "alice"]).successful("busctl").stdout
            #expect(busctl.trimmingCharacters(in: .whitespacesAndNewlines) == "a{sv} 2 \"roomId\" u 1234 \"userId\" s \"alice\"")

            let gdbus = try await CommandRun.run(
                "/usr/bin/gdbus",
                ["call", "--address", address, "--dest", TestService.busName, "--object-path", TestService.path,
                 "--method", TestService.interfaceName + ".Greet", "gdbus"]).successful("gdbus").stdout
            #expect(gdbus.hasPrefix("('hello gdbus from :"))

            let wrong = try await CommandRun.run(
                "/usr/bin/gdbus",
                ["call", "--address", address, "--dest", TestService.busName, "--object-path", TestService.path,
                 "--method", TestService.interfaceName + ".Greet", "--", "1", "2"])
            #expect(wrong.status != 0)
            #expect(wrong.stderr.contains("InvalidArgs"), "\(wrong)")
            await peers.close()
        }
    }
}
