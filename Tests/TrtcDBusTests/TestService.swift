import TrtcDBus

/// The object the tests export: an echo service with a property store.
enum TestService {
    static let busName = "org.trtcd.Test"
    static let path = "/org/trtcd/Test"
    static let interfaceName = "org.trtcd.Test.Echo"

    static let interface = DBusInterface(
        name: interfaceName,
        methods: [
            DBusMethod("Echo", input: "a{sv}", output: "a{sv}"),
            DBusMethod("Greet", input: "s", output: "s"),
            DBusMethod("Slow", input: "u", output: "u"),
            DBusMethod("Fail", input: "ss"),
            DBusMethod("Drop"),
            DBusMethod("Never"),
        ],
        properties: [
            DBusProperty("State", signature: "s"),
            DBusProperty("RemoteUsers", signature: "as"),
            DBusProperty("Volume", signature: "u", access: .readWrite),
        ],
        signals: [DBusSignalDeclaration("Tick", signature: "u")])

    /// Answers calls: Echo returns its argument, Greet says hello, Slow replies after the given
    /// milliseconds, Fail replies with the given error, Drop drops the call, Never keeps it unanswered.
    static func serve(_ object: DBusExportedObject, keep: CallKeeper) -> Task<Void, Never> {
        Task {
            for await call in object {
                Task {
                    switch call.member {
                    case "Echo":
                        try call.reply(call.arguments)
                    case "Greet":
                        try call.reply(.string("hello \(call.arguments[0].string ?? "?") from \(call.sender)"))
                    case "Slow":
                        let delay = call.arguments[0].uint32 ?? 0
                        try await Task.sleep(for: .milliseconds(Int(delay)))
                        try call.reply(.uint32(delay))
                    case "Fail":
                        try call.replyError(name: call.arguments[0].string!, message: call.arguments[1].string!)
                    case "Drop":
                        break
                    case "Never":
                        await keep.keep(call)
                    default:
                        try call.replyError(name: "org.trtcd.Test.Error.Unexpected", message: call.member)
                    }
                }
            }
        }
    }
}

/// Holds calls the test wants to stay unanswered.
actor CallKeeper {
    private var calls: [DBusMethodCall] = []

    func keep(_ call: DBusMethodCall) {
        calls.append(call)
    }

    func release() {
        calls.removeAll()
    }

    var count: Int { calls.count }

    /// Answers every kept call (late) and forgets it.
    func answerAll() throws {
        for call in calls { try call.reply() }
        calls.removeAll()
    }

    /// Waits until `count` calls are kept.
    func waitFor(_ count: Int) async throws {
        while calls.count < count { try await Task.sleep(for: .milliseconds(5)) }
    }
}

/// A server connection exporting the test object and a client connection, for one test.
struct ServerAndClient {
    let server: BusConnection
    let client: BusConnection
    let object: DBusExportedObject
    let keeper: CallKeeper
    let serving: Task<Void, Never>

    static func start(address: String, introspectionXML: String? = nil) async throws -> ServerAndClient {
        let server = try await BusConnection.connect(address: address)
        let object = try await server.export(
            path: TestService.path, interfaces: [TestService.interface], introspectionXML: introspectionXML)
        try await server.requestName(TestService.busName)
        let client = try await BusConnection.connect(address: address)
        let keeper = CallKeeper()
        let serving = TestService.serve(object, keep: keeper)
        return ServerAndClient(server: server, client: client, object: object, keeper: keeper, serving: serving)
    }

    func call(_ member: String, _ arguments: [DBusValue] = [], interface: String? = TestService.interfaceName,
              path: String = TestService.path, timeout: Duration? = nil) async throws -> [DBusValue] {
        try await client.call(
            destination: TestService.busName, path: path, interface: interface, member: member,
            arguments: arguments, timeout: timeout)
    }

    func close() async {
        serving.cancel()
        await client.close()
        await server.close()
    }
}
