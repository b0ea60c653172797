/// The capture and playback nodes present at one moment, with the session manager's defaults.
public struct PipeWireDeviceList: Sendable, Equatable {
    /// Nodes of the classes in `PipeWireMediaClass`, in registry order.
    public let devices: [PipeWireDevice]
    /// `node.name` of the default node per class, from the "default" metadata (WirePlumber's
    /// `default.video.source`, `default.audio.source`, `default.audio.sink`), when set.
    public let defaultNames: [PipeWireMediaClass: String]

    public init(devices: [PipeWireDevice], defaultNames: [PipeWireMediaClass: String]) {
        self.devices = devices
        self.defaultNames = defaultNames
    }

    public func devices(of mediaClass: PipeWireMediaClass) -> [PipeWireDevice] {
        devices.filter { $0.mediaClass == mediaClass }
    }

    /// The default device of a class: the one the metadata names, else the first one that is not
    /// one of trtcd's own remote-video nodes.
    public func defaultDevice(of mediaClass: PipeWireMediaClass) -> PipeWireDevice? {
        let candidates = devices(of: mediaClass)
        if let name = defaultNames[mediaClass], let named = candidates.first(where: { $0.name == name }) {
            return named
        }
        return candidates.first { !$0.name.hasPrefix("trtcd.remote.") } ?? candidates.first
    }

    /// The device `selector` names (node.name or object.serial), or the default one when nil or empty.
    public func resolve(_ selector: String?, of mediaClass: PipeWireMediaClass) throws(PipeWireError) -> PipeWireDevice {
        let noun = mediaClass.deviceNoun
        if let selector, !selector.isEmpty {
            let candidates = devices(of: mediaClass)
            if let device = candidates.first(where: { $0.name == selector }) ?? candidates.first(where: { $0.matches(selector) }) {
                return device
            }
            let known = candidates.map(\.name).joined(separator: ", ")
            throw .deviceUnavailable(
                "no \(noun) (\(mediaClass.rawValue) node) named '\(selector)'; available: \(known.isEmpty ? "none" : known)")
        }
        guard let device = defaultDevice(of: mediaClass) else {
            throw .deviceUnavailable("no \(noun) (\(mediaClass.rawValue) node) is present")
        }
        return device
    }
}
