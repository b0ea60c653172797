import Foundation
import Testing
import TrtcHarness
@testable import TrtcDBus

@Suite("Connection lifecycle")
struct LifecycleTests {
    private static func openDescriptorCount() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    @Test("open/close cycles release the thread's loop, the socket and the eventfd")
    func noLeaks() async throws {
        try await withTestBus { address in
            // Warm up lazily created process-wide descriptors first.
            await (try BusConnection.connect(address: address)).close()
            let before = try Self.openDescriptorCount()
            weak var lastLoop: DBusEventLoop?
            let cycles = 150
            for _ in 0..<cycles {
                let connection = try await BusConnection.connect(address: address)
                let object = try await connection.export(path: "/a", interfaces: [TestService.interface])
                let signals = try await connection.subscribe(DBusMatchRule(interface: "org.x.Y"))
                _ = try await connection.call(destination: "org.freedesktop.DBus", path: "/", interface: "org.freedesktop.DBus.Peer", member: "Ping")
                lastLoop = connection.loop
                await connection.close()
                _ = (object, signals)
            }
            // Other tests run in parallel in this process and open descriptors too, so allow some noise;
            // leaking even one descriptor per cycle would exceed it by far.
            let after = try Self.openDescriptorCount()
            #expect(after - before < cycles / 2, "descriptors before: \(before), after: \(after)")
            // The owner thread lets go of the loop when it ends; the last references were ours. Waited for (the
            // thread ends on its own after close returns); the generous limit only catches a loop kept forever.
            let deadline = ContinuousClock.now + .seconds(10)
            while lastLoop != nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(lastLoop == nil)
        }
    }

    @Test("releasing the last reference closes the connection; the bus then sees it go")
    func releaseCloses() async throws {
        try await withTestBus { address in
            let watcher = try await BusConnection.connect(address: address)
            var connection: BusConnection? = try await BusConnection.connect(address: address)
            let name = connection!.uniqueName
            let (gone, signal) = AsyncStream.makeStream(of: Void.self)
            _ = try await watcher.watchNameVanished(name) { signal.yield() }
            connection = nil
            let vanished = try await within(5) { () -> Bool in
                for await _ in gone { return true }
                return false
            }
            #expect(vanished)
            #expect(try await watcher.nameOwner(of: name) == nil)
            await watcher.close()
        }
    }

    @Test("connecting to a bad address fails with a clear error")
    func badAddress() async throws {
        let error = await #expect(throws: DBusError.self) {
            try await BusConnection.connect(address: "unix:path=/nonexistent/trtcd-test-bus")
        }
        #expect(error?.message.contains("/nonexistent/trtcd-test-bus") == true)
        await #expect(throws: DBusError.self) { try await BusConnection.connect(address: "") }
        await #expect(throws: DBusError.self) { try await BusConnection.connect(address: "nonsense") }
    }
}
