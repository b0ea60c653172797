import ArgumentParser

/// What `video` and `audio` do with the local device.
enum DeviceAction: String, ExpressibleByArgument, CaseIterable {
    case start, stop, mute, unmute
}
