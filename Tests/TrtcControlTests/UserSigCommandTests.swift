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
}
