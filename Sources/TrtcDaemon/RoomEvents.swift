import Logging
import TrtcDBus
import TrtcDBusContract

/// Where the controller's signals and property changes go: the exported D-Bus object.
/// Signals are queued to the bus connection's owner thread in call order, so their order on the bus is the
/// order in which the controller decided them.
struct RoomEvents: Sendable {
    let object: DBusExportedObject
    let logger: Logger

    func signal(_ signal: RoomSignal) {
        do {
            try object.emitSignal(interface: RoomBus.interface, member: signal.member, arguments: signal.arguments)
        } catch {
            logger.error("cannot emit \(signal.member): \(error)")
        }
    }

    func properties(_ values: [RoomProperty: DBusValue]) {
        do {
            let quiet = values.filter { RoomProperty.quiet.contains($0.key) }
            let announced = values.filter { !RoomProperty.quiet.contains($0.key) }
            if !announced.isEmpty { try object.setProperties(interface: RoomBus.interface, announced.byName) }
            if !quiet.isEmpty { try object.setProperties(interface: RoomBus.interface, quiet.byName, emitChanged: false) }
        } catch {
            logger.error("cannot update properties: \(error)")
        }
    }
}
