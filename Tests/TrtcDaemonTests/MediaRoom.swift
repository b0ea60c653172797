import Foundation
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcRTP

/// A test room for media: a private PipeWire, a real trtc-server recording what it accepts (`--record`), and per
/// user a private bus, a real trtcd (on that PipeWire) and a D-Bus client.
struct MediaRoom: Sendable {
    let pipeWire: PipeWireTestEnvironment
    let server: ServerProcess
    let recordDirectory: URL
    let buses: [PrivateBus]
    let daemons: [DaemonProcess]
    let clients: [RoomClient]

    /// GET /metrics of the server: the value of one sample line (`name{labels}`), or nil.
    func metric(_ sample: String) async throws -> Double? {
        try await server.metricValue(sample)
    }

    /// Recorded RTP of one user with one payload type (`RTPPayloadType`), in arrival order.
    func recorded(user: String, payloadType: UInt8) throws -> (file: URL, packets: [RTPPacket])? {
        let files = try FileManager.default.contentsOfDirectory(at: recordDirectory, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.contains("-\(user)-") }
        for file in files {
            let packets = try Self.readRFC4571(file)
            if let first = packets.first, first.payloadType == payloadType { return (file, packets) }
        }
        return nil
    }

    static func readRFC4571(_ file: URL) throws -> [RTPPacket] {
        let bytes = [UInt8](try Data(contentsOf: file))
        var packets: [RTPPacket] = []
        var offset = 0
        while offset + 2 <= bytes.count {
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard offset + 2 + length <= bytes.count else { break }
            packets.append(try RTPPacket(parsing: Array(bytes[offset + 2..<offset + 2 + length])))
            offset += 2 + length
        }
        return packets
    }
}

/// Runs `body` in a `DaemonRoom` whose trtcds use a private PipeWire and whose server records what it accepts.
func withMediaRoom<T: Sendable>(users: Int, serverArguments: [String] = [],
                                 _ body: @escaping @Sendable (MediaRoom) async throws -> T) async throws -> T {
    let pipeWire = try PipeWireTestEnvironment.start()
    defer { pipeWire.stop() }
    let record = try BuiltProducts.temporaryDirectory("trtc-record")
    defer { try? FileManager.default.removeItem(at: record) }
    return try await withDaemonRoom(users: users, serverArguments: ["--record", record.path] + serverArguments, daemonEnvironment: pipeWire.exports) { room in
        try await body(MediaRoom(pipeWire: pipeWire, server: room.server, recordDirectory: record, buses: room.buses,
                                 daemons: room.daemons, clients: room.clients))
    }
}

extension RoomClient {
    func startVideo(_ options: [String: DBusValue] = [:]) async throws {
        try await call("StartLocalVideo", [.variantDictionary(options)])
    }

    func startAudio(_ options: [String: DBusValue] = [:]) async throws {
        try await call("StartLocalAudio", [.variantDictionary(options)])
    }

    /// The D-Bus error name and message a call fails with.
    func failure(_ member: String, _ arguments: [DBusValue] = []) async -> (name: String, message: String)? {
        do {
            try await call(member, arguments)
            return nil
        } catch let error as DBusError {
            return (error.name, error.message)
        } catch {
            return ("?", "\(error)")
        }
    }
}
