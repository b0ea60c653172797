import ArgumentParser
import TrtcDBus

/// `trtcctl monitor`: prints trtcd's signals as they arrive until SIGINT/SIGTERM.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Print trtcd's signals, one line each as they arrive, until interrupted.",
        discussion: """
            Every signal of org.trtcd.Trtc1.Room and PropertiesChanged; in a room that includes Statistics (one \
            summary line) and NetworkQuality every 2 s. Works also before trtcd starts: signals appear once it \
            runs. A note on stderr says when monitoring has begun.
            """)

    @Flag(help: ArgumentHelp("One JSON object per line: {\"signal\":\"ExitRoom\",\"args\":[0],\"time\":\"…\"}."))
    var json = false

    func run() async throws {
        TerminationSignals.exitSuccessfullyOnTermination()
        let daemon = try await DaemonClient.connect()
        // One subscription for the whole object keeps every signal in the order trtcd sent it.
        let signals = try await daemon.connection.subscribe(
            DBusMatchRule(sender: DaemonClient.busName, path: DaemonClient.objectPath))
        let owner = try? await daemon.connection.nameOwner(of: DaemonClient.busName)
        StandardStreams.writeError(
            "trtcctl: monitoring \(DaemonClient.busName) (\(owner.map { "trtcd is \($0)" } ?? "trtcd is not running yet")); Ctrl-C stops\n")
        for await signal in signals {
            guard let line = SignalLine(signal) else { continue }
            StandardStreams.writeOutput((json ? line.json : line.text) + "\n")
        }
        throw CommandFailure("the session bus connection closed")
    }
}
