import Testing
@testable import TrtcCore

/// Inputs the libFuzzer harnesses (Fuzz/Targets, scripts/fuzz) stopped on, kept as tests of what they showed.
@Suite("Fuzz regressions: signaling")
struct CoreFuzzRegressionTests {
    /// fuzz-signaling: `entered` listing a member with an unknown role. The member is left out and counted (M5);
    /// the count is the reader's, so the message encoded again has no dropped member, and is otherwise the same.
    @Test("entered with an invalid member: left out, counted, and the rest survives encoding")
    func enteredWithInvalidMember() throws {
        let text = #"{"type":"entered","seq":1,"userId":"alice","roomId":8888,"members":[{"userId":"bob","role":"anchop","video":true,"audio":true,"videoSsrc":5678,"audioSsrc":1234}],"media":{"host":"","port":7801,"ufrag":"k3Jd0a/Z","password":"abcdefghijklmnopqrstuvwx","fingerprint":"sha-256 A1:B2","audioSsrc":1234,"videoSsrc":5678},"heartbeatMs":1250,"departureTimeoutMs":5000}"#
        guard case .entered(let entered) = try ServerMessage.decode(text: text) else {
            Issue.record("not an entered message")
            return
        }
        #expect(entered.members.isEmpty && entered.droppedMembers == 1)
        guard case .entered(let again) = try ServerMessage.decode(text: ServerMessage.entered(entered).text) else {
            Issue.record("encoded entered does not decode as entered")
            return
        }
        #expect(again.droppedMembers == 0)
        var expected = entered
        expected.droppedMembers = 0
        #expect(again == expected)
    }
}
