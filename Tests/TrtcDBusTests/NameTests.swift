import Testing
import TrtcDBus
import TrtcHarness

@Suite("Bus names against a real dbus-daemon")
struct NameTests {
    @Test("requestName fails clearly when another connection owns the name")
    func nameAlreadyOwned() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let error = await #expect(throws: DBusError.self) { try await peers.client.requestName(TestService.busName) }
            #expect(error?.name == DBusError.nameAlreadyOwnedName)
            #expect(error?.message.contains("already owned by \(peers.server.uniqueName)") == true)
            // Asking again for a name one owns is fine.
            try await peers.server.requestName(TestService.busName)
            #expect(try await peers.client.nameOwner(of: TestService.busName) == peers.server.uniqueName)
            try await peers.server.releaseName(TestService.busName)
            #expect(try await peers.client.nameOwner(of: TestService.busName) == nil)
            try await peers.client.requestName(TestService.busName)
            await peers.close()
        }
    }

    @Test("closing the caller's connection triggers the vanish callback")
    func callerVanishes() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let (vanished, signal) = AsyncStream.makeStream(of: String.self)
            let sender = try await peers.call("Greet", ["me"]).first?.string?.split(separator: " ").last.map(String.init)
            #expect(sender == peers.client.uniqueName)
            let watch = try await peers.server.watchNameVanished(peers.client.uniqueName) { signal.yield("gone") }
            #expect(watch.name == peers.client.uniqueName)
            // A cancelled watch on another name must not fire.
            let third = try await BusConnection.connect(address: address)
            let cancelled = try await peers.server.watchNameVanished(third.uniqueName) { signal.yield("wrong") }
            cancelled.cancel()
            await third.close()

            await peers.client.close()
            let first = try await within(5) { () -> String? in
                for await event in vanished { return event }
                return nil
            }
            #expect(first == "gone")
            // Watching a name that is already gone fires at once.
            let (late, lateSignal) = AsyncStream.makeStream(of: Void.self)
            _ = try await peers.server.watchNameVanished(peers.client.uniqueName) { lateSignal.yield() }
            let fired = try await within(5) { () -> Bool in
                for await _ in late { return true }
                return false
            }
            #expect(fired)
            await peers.server.close()
        }
    }
}
