import Testing
import TrtcDBus
import TrtcHarness

// The limit ends a signal loop still waiting for a lost signal; `within` bounds waits that ignore cancellation.
@Suite("serve(), interfaces from introspection XML, throughput", .timeLimit(.minutes(2)))
struct ServeAndXMLTests {
    static let roomXML = """
        <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
        <node>
          <interface name="org.trtcd.Trtc1.Room">
            <method name="EnterRoom">
              <arg name="params" type="a{sv}" direction="in"/>
            </method>
            <method name="ExitRoom"/>
            <method name="StartRemoteVideo">
              <arg name="userId" type="s" direction="in"/>
              <arg name="streamType" type="s" direction="in"/>
              <arg name="nodeId" type="u" direction="out"/>
            </method>
            <signal name="EnterRoom">
              <arg name="result" type="x"/>
            </signal>
            <property name="State" type="s" access="read"/>
            <property name="RemoteUsers" type="as" access="read"/>
          </interface>
        </node>
        """

    @Test("interfaces parsed from XML check calls; serve() runs calls concurrently and answers thrown errors")
    func serveParsedInterface() async throws {
        let interfaces = try DBusInterface.parse(introspectionXML: Self.roomXML)
        #expect(interfaces.count == 1)
        #expect(interfaces[0].methods.map(\.name) == ["EnterRoom", "ExitRoom", "StartRemoteVideo"])
        #expect(interfaces[0].methods[2].inputSignature == "ss")
        #expect(interfaces[0].methods[2].outputSignature == "u")
        #expect(interfaces[0].signals.first?.signature == "x")
        #expect(interfaces[0].properties.map(\.signature) == ["s", "as"])
        #expect(throws: DBusError.self) { try DBusInterface.parse(introspectionXML: "<node><interface name=\"x\"/></node>") }
        #expect(throws: DBusError.self) { try DBusInterface.parse(introspectionXML: "<node><unclosed></node>") }

        try await withTestBus { address in
            let server = try await BusConnection.connect(address: address)
            let room = try await server.export(path: "/org/trtcd/Trtc1", interfaces: interfaces, introspectionXML: Self.roomXML)
            try await server.requestName("org.trtcd.Trtc1")
            let serving = Task {
                await room.serve { call in
                    switch call.member {
                    case "EnterRoom":
                        guard let roomId = call.arguments[0]["roomId"]?.uint32, roomId != 0 else {
                            throw DBusError(name: "org.trtcd.Trtc1.Error.InvalidArgument", message: "[-3318] roomId 0 is outside 1…4294967294")
                        }
                        try await Task.sleep(for: .milliseconds(200))  // "until the server admitted the user"
                        try call.reply()
                    case "StartRemoteVideo":
                        try call.reply(.uint32(42))
                    default:
                        throw CancellationError()  // not a DBusError: answered as Failed
                    }
                }
            }
            let client = try await BusConnection.connect(address: address)
            func call(_ member: String, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
                try await client.call(
                    destination: "org.trtcd.Trtc1", path: "/org/trtcd/Trtc1", interface: "org.trtcd.Trtc1.Room",
                    member: member, arguments: arguments)
            }
            let invalid = await #expect(throws: DBusError.self) { try await call("EnterRoom", [.variantDictionary(["roomId": .uint32(0)])]) }
            #expect(invalid?.name == "org.trtcd.Trtc1.Error.InvalidArgument")
            #expect(invalid?.message == "[-3318] roomId 0 is outside 1…4294967294")

            let entering = Task { try await call("EnterRoom", [.variantDictionary(["roomId": .uint32(7)])]) }
            try await Task.sleep(for: .milliseconds(20))
            #expect(try await call("StartRemoteVideo", ["bob", "main"]) == [.uint32(42)])  // while EnterRoom waits
            #expect(try await entering.value.isEmpty)
            let other = await #expect(throws: DBusError.self) { try await call("ExitRoom") }
            #expect(other?.name == DBusError.failedName)
            let wrong = await #expect(throws: DBusError.self) { try await call("StartRemoteVideo", ["bob"]) }
            #expect(wrong?.name == DBusError.invalidArgsName)

            room.unexport()
            try await within(10) { await serving.value }  // serve() returns once the object is gone
            await client.close()
            await server.close()
        }
    }

    // Speed is measured by the benchmark, not asserted here: under load a timed test only flakes.
    @Test("1000 sequential round trips all answered; 1000 signals all delivered in order")
    func throughput() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let clock = ContinuousClock()
            let callTime = try await clock.measure {
                var answered = 0
                for _ in 0..<1000 {
                    _ = try await peers.call("Slow", [.uint32(0)], interface: TestService.interfaceName)
                    answered += 1
                }
                #expect(answered == 1000)
            }
            let ticks = try await peers.client.subscribe(DBusMatchRule(interface: TestService.interfaceName, member: "Tick"))
            let signalTime = try await clock.measure {
                for number in 0..<1000 {
                    try peers.object.emitSignal(interface: TestService.interfaceName, member: "Tick", arguments: [.uint32(UInt32(number))])
                }
                var count = 0
                for await tick in ticks {
                    #expect(tick.arguments == [.uint32(UInt32(count))])
                    count += 1
                    if count == 1000 { break }
                }
                #expect(count == 1000)
            }
            print("TrtcDBus throughput: 1000 round trips in \(callTime), 1000 signals delivered in \(signalTime)")
            await peers.close()
        }
    }
}
