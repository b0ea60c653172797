/// Where trtcd lives on the session bus (docs/spec.md §3).
public enum RoomBus {
    /// The well-known name trtcd owns; D-Bus activation starts trtcd on the first call to it.
    public static let name = "org.trtcd.Trtc1"
    public static let objectPath = "/org/trtcd/Trtc1"
    /// The one interface of the object: methods, signals and properties of a room.
    public static let interface = "org.trtcd.Trtc1.Room"
    public static let propertiesInterface = "org.freedesktop.DBus.Properties"
}
