import Foundation
import Testing
import TrtcCore

@Suite struct ValuesTests {
    @Test func errorCodes() {
        #expect(TrtcErrorCode.allCases.map(\.rawValue) == [-3308, -3316, -3317, -3318, -3319, -3320, -3340, -100006, -100018])
        #expect(TrtcError(.refused, "room is full").code == -3340)
        #expect(TrtcError(code: -1, message: "other").knownCode == nil)
        #expect(TrtcError(code: -3308, message: "x").knownCode == .connectFailed)
        #expect(TrtcError(code: -3308, message: "x") == TrtcError(.connectFailed, "x"))
        #expect(String(describing: TrtcError(.userSigCheckFailed, "userSig expired")) == "[-100018] userSig expired")
    }

    @Test func reasonsMatchTheSpec() throws {
        #expect(ExitReason.allCases.map(\.rawValue) == [0, 1, 2, 3])
        #expect(ExitReason.kickedByDuplicateUser.rawValue == 3)
        #expect(LeaveReason.allCases.map(\.rawValue) == [0, 1, 2, 3])
        #expect(LeaveReason.switchedToAudience.rawValue == 3)
        #expect(Scene(rawValue: "live") == .live && Scene(rawValue: "LIVE") == nil)
        #expect(Role.allCases.map(\.rawValue) == ["anchor", "audience"])
        let json = try JSONEncoder().encode([ExitReason.roomDismissed])
        #expect(String(decoding: json, as: UTF8.self) == "[2]")
        #expect(try JSONDecoder().decode([Role].self, from: Data(#"["audience"]"#.utf8)) == [.audience])
    }
}
