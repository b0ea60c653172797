import ArgumentParser

/// `trtcctl`: the command-line client of trtcd (over the session bus) and of trtc-server's server API (SPEC §4).
public struct TrtcCtl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "trtcctl",
        abstract: "Control trtcd (TRTC rooms on the desktop) and call trtc-server's server API.",
        discussion: """
            Room commands talk to trtcd on the session bus (org.trtcd.Trtc1). Exit status: 0 ok, 1 trtcd or the \
            server refused (stderr names the error and the TRTC code), 2 usage.
            Environment defaults: TRTC_SDK_APP_ID, TRTC_SECRET_KEY, TRTC_SERVER (enter, usersig); TRTC_API_ENDPOINT, \
            TRTC_SECRET_ID, TRTC_API_SECRET_KEY, TRTC_SDK_APP_ID (server).
            """,
        version: "0.1.0",
        subcommands: [
            EnterCommand.self, ExitCommand.self, StatusCommand.self, StatsCommand.self, MonitorCommand.self, VideoCommand.self,
            AudioCommand.self, RemoteVideoCommand.self, UserSigCommand.self, ServerAPICommand.self,
        ])

    /// Every message trtcctl prints to stderr starts with its name, usage errors included.
    public static var _errorPrefix: String { "trtcctl: " }

    public init() {}

    /// No subcommand is a usage error, not a request for help.
    public func run() async throws {
        throw MissingSubcommand(
            command: Self.self,
            message: "name a command: enter, exit, status, stats, monitor, video, audio, remote-video, usersig or server")
    }
}
