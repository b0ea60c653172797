import Testing
import TrtcCore
import TrtcHarness

/// `trtcctl server …` against a real trtc-server process with real members in the room.
@Suite("trtcctl server (server API)")
struct ServerAPICommandTests {
    /// The endpoint is https (the test CA's certificate), trusted through `--ca-file`.
    static func flags(_ server: RoomServer) -> [String] {
        ["--endpoint", server.endpoint, "--secret-id", RoomServer.secretId, "--secret-key", RoomServer.apiSecretKey,
         "--sdk-app-id", String(RoomServer.sdkAppId), "--ca-file", server.process.caFile ?? ""]
    }

    @Test("remove-user --room: the named users get ExitRoom(1), the others RemoteUserLeaveRoom(user, 2)")
    func removeUserNumeric() async throws {
        try await withRoomServer { server in
            try await withMembers(["alice", "bob", "carol"], in: .numeric(4242), on: server) { members in
                let run = try await CommandRun.trtcctl(
                    ["server", "remove-user", "--room", "4242", "alice", "bob"] + Self.flags(server))
                #expect(run.status == 0, "\(run)")
                #expect(run.stdout.hasPrefix("removed alice, bob from room 4242 (RequestId "), "\(run)")
                #expect(try await members[0].waitForExit() == .removedByServer)
                #expect(try await members[1].waitForExit() == .removedByServer)
                #expect(try await members[2].waitForLeave(of: "alice") == .removedByServer)
                #expect(try await members[2].waitForLeave(of: "bob") == .removedByServer)
                #expect(!members[2].messages.contains { if case .exit = $0 { true } else { false } })
            }
        }
    }

    @Test("remove-user --str-room with the environment's endpoint and credentials (RemoveUserByStrRoomId)")
    func removeUserByString() async throws {
        try await withRoomServer { server in
            try await withMembers(["dave", "erin"], in: .string("team room #1"), on: server) { members in
                let run = try await CommandRun.trtcctl(["server", "remove-user", "--str-room", "team room #1", "erin"],
                                                       environment: server.apiEnvironment)
                #expect(run.status == 0, "\(run)")
                #expect(try await members[1].waitForExit() == .removedByServer)
                #expect(try await members[0].waitForLeave(of: "erin") == .removedByServer)
            }
        }
    }

    @Test("dismiss: every member gets ExitRoom(2); numeric 77 and string \"77\" are different rooms")
    func dismiss() async throws {
        try await withRoomServer { server in
            try await withMembers(["frank", "grace"], in: .string("77"), on: server) { stringRoom in
                try await withMembers(["heidi", "ivan"], in: .numeric(77), on: server) { numericRoom in
                    let run = try await CommandRun.trtcctl(["server", "dismiss", "--room", "77"] + Self.flags(server))
                    #expect(run.status == 0, "\(run)")
                    #expect(run.stdout.hasPrefix("dismissed room 77 (RequestId "), "\(run)")
                    #expect(try await numericRoom[0].waitForExit() == .roomDismissed)
                    #expect(try await numericRoom[1].waitForExit() == .roomDismissed)
                    let again = try await CommandRun.trtcctl(["server", "dismiss", "--str-room", "77"], environment: server.apiEnvironment)
                    #expect(again.status == 0, "\(again)")
                    #expect(try await stringRoom[0].waitForExit() == .roomDismissed)
                    #expect(try await stringRoom[1].waitForExit() == .roomDismissed)
                }
            }
        }
    }

    static let refusals: [(arguments: [String], environment: [String: String], code: String)] = [
        (["server", "dismiss", "--room", "9"], [:], "FailedOperation.RoomNotExist"),
        (["server", "dismiss", "--room", "9"], ["TRTC_API_SECRET_KEY": "wrong"], "AuthFailure.SignatureFailure"),
        (["server", "dismiss", "--room", "9"], ["TRTC_SECRET_ID": "AKIDunknown"], "AuthFailure.SecretIdNotFound"),
        (["server", "dismiss", "--room", "9"], ["TRTC_SDK_APP_ID": "1400000999"], "UnauthorizedOperation.SdkAppId"),
        (["server", "remove-user", "--room", "9"] + (1...11).map { "u\($0)" }, [:], "InvalidParameter.UserIds"),
    ]

    @Test("an API error exits 1 and names the action, the code, the message and the RequestId", arguments: refusals)
    func apiError(_ arguments: [String], _ environment: [String: String], _ code: String) async throws {
        try await withRoomServer { server in
            let run = try await CommandRun.trtcctl(arguments, environment: server.apiEnvironment.merging(environment) { $1 })
            #expect(run.status == 1, "\(run)")
            #expect(run.stderr.hasPrefix("trtcctl: "), "\(run)")
            #expect(run.stderr.contains(": \(code): "), "\(run)")
            #expect(run.stderr.contains("(RequestId "), "\(run)")
            #expect(run.stdout.isEmpty, "\(run)")
        }
    }

    @Test("drain at a node that is not in cluster mode exits 1 and says so (over https, --ca-file)")
    func drainSingleNode() async throws {
        try await withRoomServer { server in
            let run = try await CommandRun.trtcctl(["server", "drain", "--endpoint", server.endpoint,
                                                    "--ca-file", server.process.caFile ?? ""])
            #expect(run.status == 1, "\(run)")
            #expect(run.stderr == "trtcctl: \(server.endpoint) is not in cluster mode\n", "\(run)")
            #expect(run.stdout.isEmpty, "\(run)")
        }
    }

    @Test("an unreachable endpoint exits 1 with a message naming it")
    func unreachable() async throws {
        let run = try await CommandRun.trtcctl(
            ["server", "dismiss", "--room", "9", "--endpoint", "http://127.0.0.1:1", "--secret-id", "a",
             "--sdk-app-id", "1400000001"], environment: ["TRTC_API_SECRET_KEY": "b"])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.hasPrefix("trtcctl: DismissRoom at http://127.0.0.1:1 failed: "), "\(run)")
    }

    @Test("https: without the test CA the certificate is untrusted (exit 1, the reason); with TRTC_CA_FILE it works")
    func httpsTrust() async throws {
        try await withRoomServer { server in
            #expect(server.endpoint.hasPrefix("https://"))
            let arguments = ["server", "dismiss", "--room", "9"]
            var environment = server.apiEnvironment
            environment["TRTC_CA_FILE"] = nil
            let untrusted = try await CommandRun.trtcctl(arguments, environment: environment)
            #expect(untrusted.status == 1, "\(untrusted)")
            #expect(untrusted.stderr.contains("TLS: untrusted: the server's certificate is not issued by a CA in the system trust store"),
                    "\(untrusted)")
            let trusted = try await CommandRun.trtcctl(arguments, environment: server.apiEnvironment)
            #expect(trusted.status == 1 && trusted.stderr.contains("FailedOperation.RoomNotExist"), "\(trusted)")
        }
    }
}
