import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// Tencent Cloud's own command-line client (`tccli`, PyPI, scripts/requirements-test.txt), unchanged, against
/// trtc-server's server API: docs/spec.md says tccli works when pointed at it.
@Suite("tccli against trtc-server's server API")
struct TccliTests {
    /// Runs `tccli trtc ACTION …` against `server` with its API credential. tccli keeps its configuration in
    /// ~/.tccli: HOME is a fresh directory (pyenv's shims, where tccli may live, still find their root).
    static func tccli(_ server: RoomServer, _ action: String, _ parameters: [String]) async throws -> CommandRun {
        let home = try BuiltProducts.temporaryDirectory("tccli-home")
        defer { try? FileManager.default.removeItem(at: home) }
        var environment = ProcessInfo.processInfo.environment
        environment["PYENV_ROOT"] = environment["PYENV_ROOT"] ?? NSHomeDirectory() + "/.pyenv"
        environment["HOME"] = home.path
        if let caFile = server.process.caFile {
            // tccli has no CA option: Tencent's SDK verifies with certifi's bundle (it passes certifi.where() to
            // requests, so REQUESTS_CA_BUNDLE is not read). A stand-in certifi first on the path names the test CA.
            let shim = home.appendingPathComponent("certifi")
            try FileManager.default.createDirectory(at: shim, withIntermediateDirectories: true)
            try "def where():\n    return \(caFile.debugDescription)\n\ndef contents():\n    return open(where()).read()\n"
                .write(to: shim.appendingPathComponent("__init__.py"), atomically: true, encoding: .utf8)
            environment["PYTHONPATH"] = home.path
        }
        return try await CommandRun.run("/usr/bin/env", ["tccli", "trtc", action] + parameters + [
            "--endpoint", server.endpoint, "--secretId", RoomServer.secretId, "--secretKey", RoomServer.apiSecretKey,
            "--region", "ap-guangzhou",
        ], environment: environment)
    }

    /// The RequestId of a successful call's output (`{"RequestId": "…"}`).
    static func requestId(_ run: CommandRun) throws -> String {
        guard run.status == 0, case .object(let fields) = try JSONCoding.parse(run.stdout), case .string(let id)? = fields["RequestId"]
        else { throw TestFailure("tccli failed: \(run)") }
        return id
    }

    @Test("RemoveUser and DismissRoom, numeric and ByStrRoomId: the members are told as with any client; an error carries our code",
          arguments: [RoomName.numeric(8888), .string("tccli room")])
    func removeAndDismiss(_ room: RoomName) async throws {
        let (suffix, roomText) = switch room {
        case .numeric(let id): ("", String(id))
        case .string(let text): ("ByStrRoomId", text)
        }
        let target = ["--SdkAppId", String(RoomServer.sdkAppId), "--RoomId", roomText]
        try await withRoomServer { server in
            try await withMembers(["victim", "stayer"], in: room, on: server) { members in
                let (victim, stayer) = (members[0], members[1])
                let removed = try await Self.tccli(server, "RemoveUser" + suffix, target + ["--UserIds", #"["victim"]"#])
                #expect(try Self.requestId(removed).count == 36, "\(removed)")
                #expect(try await victim.waitForExit() == .removedByServer)
                #expect(try await stayer.waitForLeave(of: "victim") == .removedByServer)

                let dismissed = try await Self.tccli(server, "DismissRoom" + suffix, target)
                #expect(try Self.requestId(dismissed).count == 36, "\(dismissed)")
                #expect(try await stayer.waitForExit() == .roomDismissed)

                // The same request signed in the same second would be the same request twice (a replay, refused):
                // a second later it is a new one.
                try await Task.sleep(for: .milliseconds(1050))
                let again = try await Self.tccli(server, "DismissRoom" + suffix, target)
                #expect(again.status != 0, "\(again)")
                #expect((again.stdout + again.stderr).contains("code:FailedOperation.RoomNotExist"), "\(again)")
            }
        }
    }
}
