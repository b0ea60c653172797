/// A PipeWire node that captures or plays media, as the registry announces it.
public struct PipeWireDevice: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Registry id; valid while the node exists, reused afterwards.
    public let id: UInt32
    /// `object.serial`: unique for the daemon's lifetime (what `target.object` accepts).
    public let serial: UInt64
    /// `node.name`, the stable name users pass as `camera` / `microphone`.
    public let name: String
    /// `node.description` (falls back to `node.nick`, then the name).
    public let description: String
    public let mediaClass: PipeWireMediaClass

    public init(id: UInt32, serial: UInt64, name: String, description: String, mediaClass: PipeWireMediaClass) {
        self.id = id
        self.serial = serial
        self.name = name
        self.description = description
        self.mediaClass = mediaClass
    }

    /// True when `selector` names this device by `node.name` or by decimal `object.serial`.
    public func matches(_ selector: String) -> Bool {
        selector == name || UInt64(selector) == serial
    }
}
