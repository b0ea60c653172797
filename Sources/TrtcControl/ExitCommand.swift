import TrtcDBusContract
import ArgumentParser

/// `trtcctl exit`: active exit; returns once trtcd told the server and released camera and microphone.
struct ExitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exit",
        abstract: "Exit the room (does nothing when trtcd is not in one).")

    func run() async throws {
        try await DaemonClient.withConnection { daemon in
            _ = try await daemon.call(.exitRoom)
        }
    }
}
