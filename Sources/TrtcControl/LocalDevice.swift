import ArgumentParser
import TrtcDBus

/// The methods behind `trtcctl video …` and `trtcctl audio …`.
struct LocalDevice {
    /// `Video` or `Audio`, as in StartLocalVideo / MuteLocalAudio.
    let kind: String
    /// The StartLocal… option naming the device (`camera`, `microphone`).
    let deviceOption: String

    static let video = LocalDevice(kind: "Video", deviceOption: "camera")
    static let audio = LocalDevice(kind: "Audio", deviceOption: "microphone")

    /// The call for an action: method name and arguments. `device` is only allowed with `start`.
    func call(for action: DeviceAction, device: String?) throws -> (member: String, arguments: [DBusValue]) {
        if let device, action != .start {
            throw ValidationError("--\(deviceOption) \(device.debugDescription) only goes with start")
        }
        switch action {
        case .start:
            let options: [String: DBusValue] = device.map { [deviceOption: .string($0)] } ?? [:]
            return ("StartLocal\(kind)", [.variantDictionary(options)])
        case .stop:
            return ("StopLocal\(kind)", [])
        case .mute:
            return ("MuteLocal\(kind)", [.boolean(true)])
        case .unmute:
            return ("MuteLocal\(kind)", [.boolean(false)])
        }
    }

    func run(_ action: DeviceAction, device: String?) async throws {
        let (member, arguments) = try call(for: action, device: device)
        try await DaemonClient.withConnection { daemon in
            _ = try await daemon.call(member, arguments)
        }
    }
}
