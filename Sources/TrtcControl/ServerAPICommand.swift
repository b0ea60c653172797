import ArgumentParser

/// `trtcctl server …`: the business server's side, for operators.
struct ServerAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Call trtc-server's (or Tencent Cloud's) TRTC server API, TC3-HMAC-SHA256 signed.",
        subcommands: [RemoveUserCommand.self, DismissCommand.self, NodesCommand.self, DrainCommand.self])

    /// No subcommand is a usage error, not a request for help.
    func run() async throws {
        throw MissingSubcommand(command: Self.self, message: "name a server command: remove-user, dismiss or nodes")
    }
}
