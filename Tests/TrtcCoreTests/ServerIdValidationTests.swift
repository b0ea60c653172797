import Testing
import TrtcCore

/// Security finding M5: ids that come from the server obey the rules of ids from local callers before trtcd uses them.
@Suite("ids from the server are validated at decoding (M5)")
struct ServerIdValidationTests {
    static let hostile = ["", "nul\\u0000byte", "line\\nbreak", String(repeating: "x", count: 33), "space here", "ünïcode"]

    private func decode(_ text: String) -> Result<ServerMessage, SignalingError> {
        do { return .success(try ServerMessage.decode(text: text)) } catch { return .failure(error) }
    }

    @Test("userEnter, userLeave, userVideo and userAudio with an invalid userId are bad messages", arguments: hostile)
    func events(_ userId: String) {
        for text in [#"{"type":"userEnter","userId":"\#(userId)","role":"anchor"}"#,
                     #"{"type":"userLeave","userId":"\#(userId)","reason":0}"#,
                     #"{"type":"userVideo","userId":"\#(userId)","available":true,"ssrc":5}"#,
                     #"{"type":"userAudio","userId":"\#(userId)","available":false}"#] {
            guard case .failure(let error) = decode(text) else { Issue.record("accepted: \(text)"); continue }
            #expect(error.kind == .badMessage, "\(error)")
            #expect(error.message.contains("invalid id from the server"), "\(error)")
        }
        // The same messages with a valid id decode.
        guard case .success(.userEnter(userId: "bob", role: .anchor)) = decode(#"{"type":"userEnter","userId":"bob","role":"anchor"}"#) else {
            Issue.record("a valid userEnter was refused")
            return
        }
    }

    private func entered(userId: String = "alice", room: String = #""roomId":7"#, members: String) -> String {
        #"{"type":"entered","seq":1,"userId":"\#(userId)",\#(room),"members":[\#(members)],"#
            + #""media":{"host":"","port":7801,"ufrag":"abcd","password":"0123456789abcdefghijklmn","fingerprint":"sha-256 00:11","audioSsrc":1,"videoSsrc":2},"#
            + #""heartbeatMs":1250,"departureTimeoutMs":5000}"#
    }

    @Test("entered: members with invalid userIds are left out and counted; the valid ones stay")
    func enteredMembers() throws {
        let members = Self.hostile.map { #"{"userId":"\#($0)","role":"anchor"}"# } + [#"{"userId":"bob","role":"anchor","video":true}"#]
        guard case .success(.entered(let entered)) = decode(entered(members: members.joined(separator: ","))) else {
            Issue.record("entered refused")
            return
        }
        #expect(entered.members.map(\.userId) == ["bob"])
        #expect(entered.droppedMembers == Self.hostile.count)
    }

    @Test("entered with an invalid own userId, roomId or strRoomId is a bad message")
    func enteredOwnIds() {
        for text in [entered(userId: "a\\u0000b", members: ""), entered(room: #""roomId":0"#, members: ""),
                     entered(room: #""roomId":4294967295"#, members: ""), entered(room: #""strRoomId":"""#, members: ""),
                     entered(room: #""strRoomId":"\#(String(repeating: "r", count: 65))""#, members: "")] {
            guard case .failure(let error) = decode(text) else { Issue.record("accepted: \(text)"); continue }
            #expect(error.message.contains("invalid id from the server"), "\(error)")
        }
        guard case .success(.entered(let valid)) = decode(entered(room: #""strRoomId":"room 1""#, members: "")) else {
            Issue.record("a valid entered was refused")
            return
        }
        #expect(valid.room == .string("room 1") && valid.droppedMembers == 0)
    }
}
