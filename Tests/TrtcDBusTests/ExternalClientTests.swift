import Testing
import TrtcDBus

@Suite("Non-Swift clients against an exported object")
struct ExternalClientTests {
    @Test("busctl and gdbus call the exported object")
    func busctlAndGdbus() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let busctl = try runTool(
                "/usr/bin/busctl",
                ["--address=\(address)", "call", TestService.busName, TestService.path, TestService.interfaceName,
                 "Echo", "a{sv}", "2", "roomId", "u", "1234", "userId", "s", "alice"])
            #expect(busctl.trimmingCharacters(in: .whitespacesAndNewlines) == "a{sv} 2 \"roomId\" u 1234 \"userId\" s \"alice\"")

            let gdbus = try runTool(
                "/usr/bin/gdbus",
                ["call", "--address", address, "--dest", TestService.busName, "--object-path", TestService.path,
                 "--method", TestService.interfaceName + ".Greet", "gdbus"])
            #expect(gdbus.hasPrefix("('hello gdbus from :"))

            let wrong = #expect(throws: DBusError.self) {
                try runTool(
                    "/usr/bin/gdbus",
                    ["call", "--address", address, "--dest", TestService.busName, "--object-path", TestService.path,
                     "--method", TestService.interfaceName + ".Greet", "--", "1", "2"])
            }
            #expect(wrong?.message.contains("InvalidArgs") == true)
            await peers.close()
        }
    }
}
