import ArgumentParser

/// `trtcctl video start|stop|mute|unmute [--camera NODE]`.
struct VideoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Start, stop, mute or unmute the camera (published while in a room as anchor).")

    @Argument(help: "start, stop, mute (keep the camera open, stop sending) or unmute.")
    var action: DeviceAction

    @Option(help: ArgumentHelp("PipeWire node name or object.serial (start only; default: the default Video/Source).", valueName: "NODE"))
    var camera: String?

    func validate() throws {
        _ = try LocalDevice.video.call(for: action, device: camera)
    }

    func run() async throws {
        try await LocalDevice.video.run(action, device: camera)
    }
}
