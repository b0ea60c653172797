import ArgumentParser
import TrtcDBus
import TrtcDBusContract

/// `trtcctl remote-video USER [--sub] [--stop]`: makes trtcd decode a remote user's video into a PipeWire node
/// (or remove that node).
struct RemoteVideoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote-video",
        abstract: "Show a remote user's video as a PipeWire Video/Source node; prints its node id (--stop removes it).",
        discussion: "View it with e.g. `gst-launch-1.0 pipewiresrc path=<id> ! videoconvert ! autovideosink`.")

    @Argument(help: ArgumentHelp("The remote userId.", valueName: "USER"))
    var user: String

    @Flag(help: "The sub stream (screen sharing) instead of the main one.")
    var sub = false

    @Flag(help: "Remove the node instead (StopRemoteVideo).")
    var stop = false

    func validate() throws {
        _ = try IdentifierArguments.userId(user)
    }

    func run() async throws {
        if stop {
            _ = try await DaemonClient.withConnection { daemon in
                try await daemon.call(.stopRemoteVideo, [.string(user), .string(sub ? "sub" : "main")])
            }
            return
        }
        let reply = try await DaemonClient.withConnection { daemon in
            try await daemon.call(.startRemoteVideo, [.string(user), .string(sub ? "sub" : "main")])
        }
        guard let nodeId = reply.first?.uint32 else {
            throw CommandFailure("trtcd answered StartRemoteVideo with \(DBusValue.signature(of: reply)), not u")
        }
        StandardStreams.writeOutput("\(nodeId)\n")
    }
}
