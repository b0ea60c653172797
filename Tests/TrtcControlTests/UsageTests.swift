import Testing
import TrtcHarness

/// Bad command lines: exit status 2, a `trtcctl:` message naming the problem (with the TRTC code for identifiers)
/// and the usage on stderr, nothing on stdout. No bus or server is needed for any of these.
@Suite("trtcctl usage")
struct UsageTests {
    static let key = ["--sdk-app-id", "1400000001", "--secret-key", "k"]

    static let badCommandLines: [(arguments: [String], message: String)] = [
        ([], "trtcctl: name a command: enter, exit"),
        (["server"], "trtcctl: name a server command: remove-user, dismiss or nodes"),
        (["bogus"], "Unexpected argument 'bogus'"),
        (["enter", "--room", "0", "--user", "alice"] + key, "[-3318] roomId 0 is outside 1…4294967294"),
        (["enter", "--room", "4294967295", "--user", "alice"] + key, "[-3318] roomId 4294967295 is outside"),
        (["enter", "--room", "-1", "--user", "alice"] + key, "[-3318] roomId -1 is outside"),
        (["enter", "--room", "12a", "--user", "alice"] + key, "[-3318] roomId \"12a\" is not an integer"),
        (["enter", "--str-room", "a/b", "--user", "alice"] + key, "[-3318] strRoomId \"a/b\" has \"/\""),
        (["enter", "--str-room", String(repeating: "x", count: 65), "--user", "alice"] + key, "[-3318] strRoomId is 65 bytes"),
        (["enter", "--user", "alice"] + key, "[-3316] no room"),
        (["enter", "--room", "1", "--str-room", "a", "--user", "alice"] + key, "either --room or --str-room"),
        (["enter", "--room", "1", "--user", "al ice"] + key, "[-3319] userId \"al ice\" has \" \""),
        (["enter", "--room", "1", "--user", String(repeating: "u", count: 33)] + key, "[-3319] userId is 33 bytes"),
        (["enter", "--room", "1", "--user", "alice", "--sdk-app-id", "0", "--secret-key", "k"], "[-3317] sdkAppId 0 is outside"),
        (["enter", "--room", "1", "--user", "alice", "--sdk-app-id", "x", "--secret-key", "k"], "[-3317] sdkAppId \"x\" is not a number"),
        (["enter", "--room", "1", "--user", "alice", "--secret-key", "k"], "[-3317] no sdkAppId"),
        (["enter", "--room", "1", "--user", "alice", "--sdk-app-id", "1"], "[-3320] no UserSig"),
        (["enter", "--room", "1", "--user", "alice", "--sdk-app-id", "1", "--user-sig", ""], "[-3320] userSig is empty"),
        (["enter", "--room", "1", "--user", "alice", "--user-sig", "s"] + key, "either --user-sig or --secret-key"),
        (["enter", "--room", "1", "--user", "alice", "--scene", "meeting"] + key, "The value 'meeting' is invalid for '--scene <scene>'"),
        (["enter", "--room", "1", "--user", "alice", "--role", "host"] + key, "The value 'host' is invalid for '--role <role>'"),
        (["enter", "--room", "1"] + key, "Missing expected argument '--user <ID>'"),
        (["video", "rotate"], "The value 'rotate' is invalid for '<action>'"),
        (["video", "stop", "--camera", "cam0"], "--camera \"cam0\" only goes with start"),
        (["audio", "mute", "--microphone", "mic0"], "--microphone \"mic0\" only goes with start"),
        (["audio"], "Missing expected argument '<action>'"),
        (["remote-video"], "Missing expected argument '<USER>'"),
        (["remote-video", "bad user"], "[-3319] userId \"bad user\""),
        (["status", "--yaml"], "Unknown option '--yaml'"),
        (["usersig", "--user", "alice", "--secret-key", "k"], "[-3317] no sdkAppId"),
        (["usersig", "--user", "alice", "--sdk-app-id", "1"], "no secret key"),
        (["usersig", "--user", "alice", "--expire", "0"] + key, "--expire must be a positive number"),
        (["usersig", "--user", "a:b"] + key, "[-3319] userId \"a:b\""),
        (["server", "dismiss", "--secret-id", "i", "--secret-key", "k", "--sdk-app-id", "1"], "[-3316] no room"),
        (["server", "dismiss", "--room", "0", "--secret-id", "i", "--secret-key", "k", "--sdk-app-id", "1"], "[-3318] roomId 0"),
        (["server", "dismiss", "--room", "1", "--secret-key", "k", "--sdk-app-id", "1"], "no API SecretId"),
        (["server", "dismiss", "--room", "1", "--secret-id", "i", "--sdk-app-id", "1"], "no API SecretKey"),
        (["server", "dismiss", "--room", "1", "--secret-id", "i", "--secret-key", "k"], "[-3317] no sdkAppId"),
        (["server", "dismiss", "--room", "1", "--secret-id", "i", "--secret-key", "k", "--sdk-app-id", "1",
          "--endpoint", "http://"], "--endpoint"),
        (["server", "remove-user", "--room", "1", "--secret-id", "i", "--secret-key", "k", "--sdk-app-id", "1"],
         "name at least one USER"),
        (["server", "remove-user", "--room", "1", "alice", "b*b", "--secret-id", "i", "--secret-key", "k", "--sdk-app-id", "1"],
         "[-3319] userId \"b*b\""),
        (["server", "kick"], "Unexpected argument 'kick'"),
        (["usersig", "--user", "alice", "--secret-key-file", "/dev/null"] + key, "give either --secret-key or --secret-key-file, not both"),
        (["usersig", "--user", "alice", "--sdk-app-id", "1", "--secret-key-file", "/nonexistent/key"], "--secret-key-file: cannot read /nonexistent/key"),
        (["usersig", "--user", "alice", "--sdk-app-id", "1", "--secret-key-file", "/dev/null"], "--secret-key-file: /dev/null is empty"),
        (["enter", "--room", "1", "--user", "alice", "--sdk-app-id", "1", "--user-sig-file", "/nonexistent/sig"], "--user-sig-file: cannot read"),
        (["enter", "--room", "1", "--user", "alice", "--user-sig-file", "/etc/os-release"] + key, "either --user-sig or --secret-key"),
        (["server", "dismiss", "--room", "1", "--secret-id", "i", "--secret-key-file", "/nonexistent/api", "--sdk-app-id", "1"],
         "--secret-key-file: cannot read /nonexistent/api"),
    ]

    @Test("a bad command line exits 2 with a message and the usage", arguments: badCommandLines)
    func badUsage(_ arguments: [String], _ message: String) async throws {
        let run = try await CommandRun.trtcctl(arguments)
        #expect(run.status == 2, "\(arguments): \(run)")
        #expect(run.stderr.contains(message), "\(arguments): \(run)")
        #expect(run.stderr.hasPrefix("trtcctl: "), "\(run)")
        #expect(run.stderr.contains("Usage: trtcctl") || run.stderr.contains("USAGE: trtcctl"), "\(run)")
        #expect(run.stdout.isEmpty, "\(run)")
    }

    static let commands: [[String]] = [
        [], ["enter"], ["exit"], ["status"], ["monitor"], ["video"], ["audio"], ["remote-video"], ["usersig"],
        ["server"], ["server", "remove-user"], ["server", "dismiss"],
    ]

    @Test("--help of every command exits 0 and prints its usage on stdout", arguments: commands)
    func help(_ command: [String]) async throws {
        let run = try await CommandRun.trtcctl(command + ["--help"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("USAGE: trtcctl \((command).joined(separator: " "))"), "\(run)")
        #expect(run.stderr.isEmpty, "\(run)")
    }

    @Test("environment variables give the defaults: an invalid TRTC_SDK_APP_ID is reported like the flag")
    func environmentDefaults() async throws {
        let run = try await CommandRun.trtcctl(["usersig", "--user", "alice"],
                                               environment: ["TRTC_SDK_APP_ID": "4294967296", "TRTC_SECRET_KEY": "k"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains("[-3317] sdkAppId 4294967296 is outside 1…4294967295"), "\(run)")
    }
}
