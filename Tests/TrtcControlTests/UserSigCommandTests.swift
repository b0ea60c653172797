import Foundation
import Testing
import TrtcCore
import TrtcHarness

@Suite("trtcctl usersig")
struct UserSigCommandTests {
    @Test("the printed UserSig verifies for that app, user and key, with the asked validity")
    func verifies() async throws {
        let run = try await CommandRun.trtcctl(
            ["usersig", "--sdk-app-id", "1400000001", "--secret-key", "s3cr3t", "--user", "alice_1", "--expire", "600"])
        #expect(run.status == 0, "\(run)")
        let sig = run.stdout.trimmingCharacters(in: .newlines)
        #expect(!sig.contains("\n") && run.stdout.hasSuffix("\n"))
        try UserSig.verify(sig, sdkAppId: 1_400_000_001, userId: "alice_1", secretKey: "s3cr3t")
        let document = try UserSig.decode(sig)
        #expect(document.expire == 600)
        #expect(abs(document.time - Int64(Date().timeIntervalSince1970)) < 60)
        #expect(throws: TrtcError.self) { try UserSig.verify(sig, sdkAppId: 1_400_000_001, userId: "alice_1", secretKey: "other") }
        #expect(throws: TrtcError.self) { try UserSig.verify(sig, sdkAppId: 1_400_000_001, userId: "bob", secretKey: "s3cr3t") }
        #expect(throws: TrtcError.self) {
            try UserSig.verify(sig, sdkAppId: 1_400_000_001, userId: "alice_1", secretKey: "s3cr3t",
                               now: Int(document.time) + 601)
        }
    }

    @Test("TRTC_SDK_APP_ID and TRTC_SECRET_KEY are the defaults; the default validity is 180 days")
    func environment() async throws {
        let run = try await CommandRun.trtcctl(["usersig", "--user", "bob"],
                                               environment: ["TRTC_SDK_APP_ID": "1400000002", "TRTC_SECRET_KEY": "envkey"])
        #expect(run.status == 0, "\(run)")
        let sig = run.stdout.trimmingCharacters(in: .newlines)
        try UserSig.verify(sig, sdkAppId: 1_400_000_002, userId: "bob", secretKey: "envkey")
        #expect(try UserSig.decode(sig).expire == 86400 * 180)
    }

    @Test("security M2: --secret-key-file reads the key (a trailing newline ignored) silently; --secret-key still works but warns")
    func secretKeyFile() async throws {
        let directory = try BuiltProducts.temporaryDirectory("trtcctl-secrets")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("key")
        try "s3cr3t\n".write(to: file, atomically: true, encoding: .utf8)
        let filed = try await CommandRun.trtcctl(["usersig", "--sdk-app-id", "1400000001", "--secret-key-file", file.path, "--user", "alice"])
        #expect(filed.status == 0 && filed.stderr.isEmpty, "\(filed)")
        try UserSig.verify(filed.stdout.trimmingCharacters(in: .newlines), sdkAppId: 1_400_000_001, userId: "alice", secretKey: "s3cr3t")

        let argv = try await CommandRun.trtcctl(["usersig", "--sdk-app-id", "1400000001", "--secret-key", "s3cr3t", "--user", "alice"])
        #expect(argv.status == 0, "\(argv)")
        #expect(argv.stderr == "trtcctl: warning: --secret-key puts a secret on the command line, where every local user can read it "
                + "(ps); use --secret-key-file FILE or TRTC_SECRET_KEY instead\n", "\(argv)")
        let environment = try await CommandRun.trtcctl(["usersig", "--sdk-app-id", "1400000001", "--user", "alice"],
                                                       environment: ["TRTC_SECRET_KEY": "s3cr3t"])
        #expect(environment.status == 0 && environment.stderr.isEmpty, "\(environment)")
    }

    @Test("security M2: enter takes the UserSig from --user-sig-file or TRTC_USER_SIG (before TRTC_SECRET_KEY) silently; --user-sig warns")
    func enterSecrets() async throws {
        try await withDaemonSession { session in
            let sig = UserSig.generate(sdkAppId: RoomServer.sdkAppId, userId: "filed", secretKey: RoomServer.secretKey)
            let file = session.runtimeDirectory.appendingPathComponent("usersig")
            try (sig + "\n").write(to: file, atomically: true, encoding: .utf8)
            let fromFile = try await session.trtcctl(["enter", "--room", "31", "--user", "filed", "--user-sig-file", file.path],
                                                     environment: ["TRTC_SECRET_KEY": "wrong-key"])
            #expect(fromFile.status == 0 && !fromFile.stderr.contains("warning"), "\(fromFile)")
            #expect(try await session.trtcctl(["exit"]).status == 0)
            let fromEnvironment = try await session.trtcctl(["enter", "--room", "31", "--user", "filed"],
                                                            environment: ["TRTC_USER_SIG": sig, "TRTC_SECRET_KEY": "wrong-key"])
            #expect(fromEnvironment.status == 0 && !fromEnvironment.stderr.contains("warning"), "\(fromEnvironment)")
            #expect(try await session.trtcctl(["exit"]).status == 0)
            let onCommandLine = try await session.trtcctl(["enter", "--room", "31", "--user", "filed", "--user-sig", sig])
            #expect(onCommandLine.status == 0, "\(onCommandLine)")
            #expect(onCommandLine.stderr.contains("trtcctl: warning: --user-sig puts a secret on the command line"), "\(onCommandLine)")
            #expect(try await session.trtcctl(["exit"]).status == 0)
        }
    }
}
