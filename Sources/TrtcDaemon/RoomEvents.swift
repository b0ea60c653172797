import Logging
import TrtcDBus

/// Where the controller's signals and property changes go: the exported D-Bus object.
/// Signals are queued to the bus connection's owner thread in call order, so their order on the bus is the
/// order in which the controller decided them.
struct RoomEvents: Sendable {
    static let interface = "org.trtcd.Trtc1.Room"

    let object: DBusExportedObject
    let logger: Logger

    func signal(_ member: String, _ arguments: DBusValue...) {
        do {
            try object.emitSignal(interface: Self.interface, member: member, arguments: arguments)
        } catch {
            logger.error("cannot emit \(member): \(error)")
        }
    }

    func properties(_ values: [String: DBusValue]) {
        do {
            try object.setProperties(interface: Self.interface, values)
        } catch {
            logger.error("cannot update properties: \(error)")
        }
    }
}
