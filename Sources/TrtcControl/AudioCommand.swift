import ArgumentParser

/// `trtcctl audio start|stop|mute|unmute [--microphone NODE]`.
struct AudioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Start, stop, mute or unmute the microphone (published while in a room as anchor).")

    @Argument(help: "start, stop, mute (keep the microphone open, stop sending) or unmute.")
    var action: DeviceAction

    @Option(help: ArgumentHelp("PipeWire node name or object.serial (start only; default: the default Audio/Source).", valueName: "NODE"))
    var microphone: String?

    func validate() throws {
        _ = try LocalDevice.audio.call(for: action, device: microphone)
    }

    func run() async throws {
        try await LocalDevice.audio.run(action, device: microphone)
    }
}
