import Testing
import TrtcHarness
@testable import TrtcDBus

@Suite("Method calls against a real dbus-daemon")
struct MethodCallTests {
    static let everyType: DBusValue = .variantDictionary([
        "byte": .byte(0xfe),
        "bool": .boolean(true),
        "int16": .int16(-12345),
        "uint16": .uint16(54321),
        "int32": .int32(-2_000_000_000),
        "roomId": .uint32(4_294_967_294),
        "int64": .int64(-9_000_000_000_000),
        "uint64": .uint64(18_000_000_000_000_000_000),
        "double": .double(3.25),
        "userId": .string("alice ✓ üñí"),
        "path": .objectPath("/org/trtcd/Trtc1"),
        "signature": .signature("a{sv}(ius)"),
        "nested variant": .variant(.variant(.int32(7))),
        "ints": .array(.int32, [.int32(1), .int32(-2), .int32(3)]),
        "no strings": .array(.string, []),
        "bytes": .byteArray([0, 1, 255]),
        "labels": .stringDictionary(["a": "x", "b": "y"]),
        "struct": .structure([.string("s"), .uint32(9), .array(.double, [.double(0.5)])]),
        "inner": .variantDictionary(["k": .boolean(false)]),
        "empty dict": .dictionary(key: .uint32, value: .structure([.string, .int64]), []),
    ])

    @Test("a{sv} with every type survives a round trip, and the callee sees the caller's unique name")
    func roundTripEveryType() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let reply = try await peers.call("Echo", [Self.everyType])
            #expect(reply == [Self.everyType])
            #expect(reply[0]["roomId"]?.uint32 == 4_294_967_294)
            #expect(reply[0]["userId"]?.string == "alice ✓ üñí")
            #expect(reply[0]["nested variant"]?.int32 == 7)
            #expect(reply[0]["labels"]?["b"]?.string == "y")
            #expect(reply[0].signature == "a{sv}")

            let greeting = try await peers.call("Greet", ["bob"])
            #expect(greeting == [.string("hello bob from \(peers.client.uniqueName)")])
            await peers.close()
        }
    }

    @Test("a reply can come later while other calls are answered meanwhile")
    func delayedReply() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let late = Task { try await peers.call("Never") }
            let later = Task { try await peers.call("Never") }
            try await within(5) { try await peers.keeper.waitFor(2) }
            // Both calls are held by the server; others are answered meanwhile.
            #expect(try await peers.call("Slow", [.uint32(0)]) == [.uint32(0)])
            #expect(try await peers.call("Greet", ["x"]).count == 1)
            try await peers.keeper.answerAll()
            #expect(try await late.value.isEmpty)
            #expect(try await later.value.isEmpty)
            // And a handler that sleeps before replying.
            let start = ContinuousClock.now
            #expect(try await peers.call("Slow", [.uint32(100)]) == [.uint32(100)])
            #expect(ContinuousClock.now - start >= .milliseconds(100))
            await peers.close()
        }
    }

    @Test("a dropped call object sends exactly one error reply; a second reply is refused")
    func droppedCallGetsOneErrorReply() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let error = await #expect(throws: DBusError.self) { try await peers.call("Drop") }
            #expect(error?.name == DBusError.failedName)
            #expect(error?.message.contains("Drop") == true)
            // Any second reply would reach the client before this round trip completes.
            _ = try await peers.call("Greet", ["again"])
            let stray = try await peers.client.loop.perform { state, completion in
                completion(.success(state.unexpectedReplyCount))
            }
            #expect(stray == 0)
            await peers.close()
        }
    }

    @Test("answering twice throws AlreadyReplied, and the caller sees only the first answer")
    func secondReplyRefused() async throws {
        try await withTestBus { address in
            let server = try await BusConnection.connect(address: address)
            let object = try await server.export(path: "/x", interfaces: [DBusInterface(name: "org.x.Y", methods: [DBusMethod("M")])])
            let client = try await BusConnection.connect(address: address)
            let serving = Task<DBusError?, Never> {
                for await call in object {
                    try? call.reply()
                    do {
                        try call.replyError(name: "org.x.Error.Second", message: "second")
                    } catch let error as DBusError {
                        return error
                    } catch {}
                }
                return nil
            }
            let reply = try await client.call(destination: server.uniqueName, path: "/x", interface: "org.x.Y", member: "M")
            #expect(reply.isEmpty)
            #expect(await serving.value?.name == DBusError.alreadyRepliedName)
            await client.close()
            await server.close()
        }
    }

    @Test("wrong input signature gives InvalidArgs; unknown method, interface and object give their errors")
    func dispatchErrors() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let wrong = await #expect(throws: DBusError.self) { try await peers.call("Echo", ["not a dict"]) }
            #expect(wrong?.name == DBusError.invalidArgsName)
            #expect(wrong?.message.contains("expected 'a{sv}'") == true)

            let method = await #expect(throws: DBusError.self) { try await peers.call("Nope") }
            #expect(method?.name == DBusError.unknownMethodName)

            let interface = await #expect(throws: DBusError.self) {
                try await peers.call("Echo", [Self.everyType], interface: "org.trtcd.Nope")
            }
            #expect(interface?.name == DBusError.unknownInterfaceName)

            let object = await #expect(throws: DBusError.self) { try await peers.call("Greet", ["x"], path: "/org/trtcd/Nope") }
            #expect(object?.name == DBusError.unknownObjectName)

            // Without an interface the member is looked up on the object's interfaces.
            #expect(try await peers.call("Greet", ["y"], interface: nil).first?.string?.hasPrefix("hello y") == true)
            await peers.close()
        }
    }

    @Test("error replies carry any error name and message")
    func customError() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let error = await #expect(throws: DBusError.self) {
                try await peers.call("Fail", ["org.trtcd.Trtc1.Error.InvalidArgument", "[-3318] roomId 0 is outside 1…4294967294"])
            }
            #expect(error == DBusError(name: "org.trtcd.Trtc1.Error.InvalidArgument", message: "[-3318] roomId 0 is outside 1…4294967294"))
            // An invalid error name is refused on the server side (the call then answers Failed when dropped).
            let invalid = await #expect(throws: DBusError.self) { try await peers.call("Fail", ["no dots", "m"]) }
            #expect(invalid?.name == DBusError.failedName)
            await peers.close()
        }
    }

    @Test("an unanswered call times out with NoReply on the caller's side")
    func callTimeout() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let start = ContinuousClock.now
            let error = await #expect(throws: DBusError.self) { try await peers.call("Never", timeout: .milliseconds(150)) }
            #expect(error?.name == DBusError.noReplyName)
            #expect(ContinuousClock.now - start >= .milliseconds(140))
            await peers.keeper.release()
            await peers.close()
        }
    }

    @Test("invalid values and names throw instead of crashing")
    func invalidInputThrows() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            await #expect(throws: DBusError.self) { try await peers.call("Greet", [.objectPath("not/a/path")]) }
            await #expect(throws: DBusError.self) { try await peers.call("Greet", [.string("nul\0inside")]) }
            await #expect(throws: DBusError.self) { try await peers.call("Greet", [.array(.string, [.int32(1)])]) }
            await #expect(throws: DBusError.self) { try await peers.call("Greet", [.structure([])]) }
            await #expect(throws: DBusError.self) { try await peers.call("Greet", [.signature("a{vs}")]) }
            await #expect(throws: DBusError.self) { try await peers.call("bad member!", []) }
            await #expect(throws: DBusError.self) { try await peers.call("Greet", ["x"], path: "//") }
            #expect(throws: DBusError.self) { try peers.server.emitSignal(path: "/a", interface: "nodots", member: "M") }
            // The connection still works afterwards.
            #expect(try await peers.call("Greet", ["ok"]).count == 1)
            await peers.close()
        }
    }

    @Test("closing a connection fails its pending calls and ends its exported objects")
    func closeFailsPending() async throws {
        try await withTestBus { address in
            let peers = try await ServerAndClient.start(address: address)
            let pending = Task { try await peers.call("Never") }
            try await Task.sleep(for: .milliseconds(50))
            await peers.client.close()
            #expect(peers.client.isConnected == false)
            let error = await #expect(throws: DBusError.self) { try await pending.value }
            #expect(error?.name == DBusError.disconnectedName || error?.name == DBusError.noReplyName)
            await #expect(throws: DBusError.self) {
                try await peers.client.call(destination: TestService.busName, path: "/", interface: nil, member: "Ping")
            }
            await peers.keeper.release()
            await peers.server.close()
            _ = await peers.serving.value  // the object's call sequence ended
        }
    }
}
