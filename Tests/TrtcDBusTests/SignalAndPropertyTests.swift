import Testing
import TrtcHarness
@testable import TrtcDBus

@Suite("Signals, properties, introspection and Peer against a real dbus-daemon")
struct SignalAndPropertyTests {
    @Test("signals arrive at a subscriber in the order they were sent, filtered by the rule")
    func signalOrder() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let ticks = try await peers.client.subscribe(
                DBusMatchRule(sender: TestService.busName, path: TestService.path, interface: TestService.interfaceName, member: "Tick"))
            for number in 0..<200 {
                if number % 10 == 0 {
                    try peers.object.emitSignal(interface: TestService.interfaceName, member: "Other", arguments: [.uint32(999)])
                }
                try peers.server.emitSignal(
                    path: TestService.path, interface: TestService.interfaceName, member: "Tick", arguments: [.uint32(UInt32(number))])
            }
            let received = try await within(5) {
                var numbers: [UInt32] = []
                for await signal in ticks {
                    #expect(signal.sender == peers.server.uniqueName)
                    #expect(signal.member == "Tick")
                    numbers.append(signal.arguments[0].uint32 ?? 0)
                    if numbers.count == 200 { break }
                }
                return numbers
            }
            #expect(received == (0..<200).map { UInt32($0) })
            await peers.close()
        }
    }

    @Test("cancelled subscriptions end; others keep receiving")
    func subscriptionCancel() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let first = try await peers.client.subscribe(DBusMatchRule(interface: TestService.interfaceName, member: "Tick"))
            let second = try await peers.client.subscribe(DBusMatchRule(interface: TestService.interfaceName, member: "Tick"))
            first.cancel()
            try peers.object.emitSignal(interface: TestService.interfaceName, member: "Tick", arguments: [.uint32(1)])
            let firstCount = try await within(5) {
                var count = 0
                for await _ in first { count += 1 }
                return count
            }
            #expect(firstCount == 0)
            let got = try await within(5) { () -> UInt32? in
                for await signal in second { return signal.arguments[0].uint32 }
                return nil
            }
            #expect(got == 1)
            await peers.close()
        }
    }

    @Test("Properties Get/GetAll/Set and PropertiesChanged")
    func properties() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let changes = try await peers.client.subscribe(
                DBusMatchRule(path: TestService.path, interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged"))
            try peers.object.setProperties(
                interface: TestService.interfaceName, ["State": "idle", "RemoteUsers": .stringArray([])], emitChanged: false)
            try peers.object.setProperty("State", interface: TestService.interfaceName, value: "in-room")
            try peers.object.setProperty("State", interface: TestService.interfaceName, value: "in-room")  // unchanged: no signal
            try peers.object.setProperty("RemoteUsers", interface: TestService.interfaceName, value: .stringArray(["bob"]))

            let properties = "org.freedesktop.DBus.Properties"
            let state = try await peers.call("Get", [.string(TestService.interfaceName), "State"], interface: properties)
            #expect(state == [.variant("in-room")])
            let all = try await peers.call("GetAll", [.string(TestService.interfaceName)], interface: properties)
            #expect(all.first?["State"]?.string == "in-room")
            #expect(all.first?["RemoteUsers"]?.stringArray == ["bob"])
            #expect(all.first?.dictionaryEntries?.count == 2)

            let readOnly = await #expect(throws: DBusError.self) {
                try await peers.call("Set", [.string(TestService.interfaceName), "State", .variant("idle")], interface: properties)
            }
            #expect(readOnly?.name == DBusError.propertyReadOnlyName)
            let unknown = await #expect(throws: DBusError.self) {
                try await peers.call("Get", [.string(TestService.interfaceName), "Nope"], interface: properties)
            }
            #expect(unknown?.name == DBusError.unknownPropertyName)
            let badInterface = await #expect(throws: DBusError.self) {
                try await peers.call("GetAll", ["org.trtcd.Nope"], interface: properties)
            }
            #expect(badInterface?.name == DBusError.unknownInterfaceName)
            #expect(throws: DBusError.self) {
                try peers.object.setProperty("State", interface: TestService.interfaceName, value: .uint32(1))
            }

            let signals = try await within(5) {
                var collected: [DBusSignal] = []
                for await signal in changes {
                    collected.append(signal)
                    if collected.count == 2 { break }
                }
                return collected
            }
            #expect(signals[0].arguments[0] == .string(TestService.interfaceName))
            #expect(signals[0].arguments[1]["State"]?.string == "in-room")
            #expect(signals[0].arguments[2] == .stringArray([]))
            #expect(signals[1].arguments[1]["RemoteUsers"]?.stringArray == ["bob"])
            #expect(signals[1].arguments[1]["State"] == nil)
            await peers.close()
        }
    }

    @Test("Introspect returns the owner's XML; parents list their children; generated XML otherwise")
    func introspect() async throws {
        try await withTestBus { address in
            let xml = "<node><interface name=\"org.trtcd.Test.Echo\"/></node>"
            let peers = try await ServerAndClient.start(address: address, introspectionXML: xml)
            let introspectable = "org.freedesktop.DBus.Introspectable"
            #expect(try await peers.call("Introspect", interface: introspectable) == [.string(xml)])
            let parent = try await peers.call("Introspect", interface: introspectable, path: "/org/trtcd")
            #expect(parent.first?.string?.contains("<node name=\"Test\"/>") == true)

            let other = try await peers.server.export(path: "/generated", interfaces: [TestService.interface])
            let generated = try await peers.client.call(
                destination: TestService.busName, path: "/generated", interface: introspectable, member: "Introspect")
            let text = generated.first?.string ?? ""
            #expect(text.contains("<method name=\"Echo\">"))
            #expect(text.contains("<arg type=\"a{sv}\" name=\"arg0\" direction=\"in\"/>"))
            #expect(text.contains("<property name=\"Volume\" type=\"u\" access=\"readwrite\"/>"))
            #expect(text.contains("org.freedesktop.DBus.Properties"))
            other.unexport()
            await peers.close()
        }
    }

    @Test("org.freedesktop.DBus.Peer Ping and GetMachineId")
    func peer() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            #expect(try await peers.call("Ping", interface: "org.freedesktop.DBus.Peer").isEmpty)
            let machine = try await peers.call("GetMachineId", interface: "org.freedesktop.DBus.Peer")
            #expect(machine.first?.string?.count == 32)
            await peers.close()
        }
    }
}
