import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// trtcd's one long-running part: owns the bus connection, the exported object, the room controller and the
/// room sessions. On graceful shutdown (SIGTERM) it exits the room cleanly before leaving the bus.
public struct DaemonService: Service {
    let configuration: DaemonConfiguration
    let logger: Logger

    public init(configuration: DaemonConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let bus: BusConnection
        do {
            bus = if let address = configuration.busAddress {
                try await BusConnection.connect(address: address, logger: logger)
            } else {
                try await BusConnection.sessionBus(logger: logger)
            }
        } catch {
            throw DaemonStartError("cannot connect to the session bus: \(error)")
        }
        let interfaces = try DBusInterface.parse(introspectionXML: RoomInterfaceXML.text)
        let object = try await bus.export(path: RoomBus.objectPath, interfaces: interfaces, introspectionXML: RoomInterfaceXML.text)
        let events = RoomEvents(object: object, logger: logger)
        try object.setProperties(interface: RoomBus.interface, RoomProperty.idleValues.byName, emitChanged: false)
        let (jobs, jobSink) = AsyncStream.makeStream(of: RoomSession.self)
        let (publishSyncs, publishSyncSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (vanished, vanishedSink) = AsyncStream.makeStream(of: UInt64.self)
        let media = LocalMedia(logger: logger)
        let controller = RoomController(defaultServer: configuration.server, tls: configuration.tls, events: events, media: media,
                                        sessionJobs: jobSink,
                                        publishSyncJobs: publishSyncSink, logger: logger)
        do {
            try await bus.requestName(RoomBus.name)
        } catch let error as DBusError {
            await bus.close()
            throw DaemonStartError(error.name == DBusError.nameAlreadyOwnedName ? error.message : "cannot own \(RoomBus.name): \(error)")
        }
        logger.info("trtcd ready", metadata: ["bus": "\(bus.uniqueName)", "server": "\(configuration.server)"])
        SystemdNotify.send("READY=1\nSTATUS=idle")

        let handler = RoomMethodHandler(controller: controller, bus: bus, callerVanished: vanishedSink, logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await object.serve { call in try await handler.handle(call) } }
            group.addTask {
                await withDiscardingTaskGroup { sessions in
                    for await session in jobs { sessions.addTask { await session.run() } }
                }
            }
            group.addTask {
                for await id in vanished { await controller.callerVanished(id) }
            }
            group.addTask {
                for await event in media.events { await controller.localMediaEvent(event) }
            }
            group.addTask {
                for await _ in publishSyncs { await controller.syncPublishing() }
            }
            // Until SIGTERM/SIGINT or the group's graceful shutdown. Signals are trapped here rather than by the
            // ServiceGroup so that the room is exited while the signaling connection is still open (the WebSocket
            // client closes itself on graceful shutdown).
            await withTaskGroup(of: Void.self) { waiters in
                waiters.addTask { try? await gracefulShutdown() }
                waiters.addTask {
                    for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                        logger.info("caught \(signal)")
                        break
                    }
                }
                await waiters.next()
                waiters.cancelAll()
            }
            logger.info("shutting down")
            SystemdNotify.send("STOPPING=1")
            await controller.exitRoom()
            // Capture opened outside a room is closed too: nothing of trtcd stays in PipeWire.
            await media.releaseAll()
            media.finishEvents()
            try? await bus.releaseName(RoomBus.name)
            object.unexport()
            jobSink.finish()
            vanishedSink.finish()
            publishSyncSink.finish()
            await bus.close()
        }
    }
}

public struct DaemonStartError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
