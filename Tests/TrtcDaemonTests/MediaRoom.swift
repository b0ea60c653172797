import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import TrtcCore
import TrtcDBus
import TrtcRTP
import TrtcTestSupport

/// A test room for media: a private PipeWire, a real trtc-server recording what it accepts (`--record`), and per
/// user a private bus, a real trtcd (on that PipeWire) and a D-Bus client.
struct MediaRoom: Sendable {
    let pipeWire: MediaPipeWire
    let server: ServerProcess
    let recordDirectory: URL
    let buses: [PrivateBus]
    let daemons: [DaemonProcess]
    let clients: [RoomClient]

    /// GET /metrics of the server: the value of one sample line (`name{labels}`), or nil.
    func metric(_ sample: String) async throws -> Double? {
        try await server.metric(sample)
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

extension ServerProcess {
    /// GET /metrics: the value of one sample line (`name{labels}`), or nil.
    func metric(_ sample: String) async throws -> Double? {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(endpoint)/metrics")!)
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }
}

func withMediaRoom<T: Sendable>(users: Int, _ body: @escaping @Sendable (MediaRoom) async throws -> T) async throws -> T {
    let pipeWire = try MediaPipeWire.start()
    let record = try BuiltProducts.temporaryDirectory("trtc-record")
    let server: ServerProcess
    do {
        server = try await ServerProcess.start(extraArguments: ["--record", record.path])
    } catch {
        pipeWire.stop()
        throw error
    }
    var buses: [PrivateBus] = []
    var daemons: [DaemonProcess] = []
    var clients: [RoomClient] = []
    func tearDown() async {
        for daemon in daemons { await daemon.stop() }
        for bus in buses { await bus.stop() }
        await server.stop()
        pipeWire.stop()
        try? FileManager.default.removeItem(at: record)
    }
    do {
        for _ in 0..<users {
            let bus = try await PrivateBus.start()
            buses.append(bus)
            daemons.append(try await DaemonProcess.start(on: bus, server: server.url, environment: pipeWire.environment))
            clients.append(try await RoomClient.connect(bus))
        }
    } catch {
        await tearDown()
        throw error
    }
    let room = MediaRoom(pipeWire: pipeWire, server: server, recordDirectory: record, buses: buses, daemons: daemons, clients: clients)
    let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
        for client in clients { group.addTask { await client.pump() } }
        let result: Result<T, any Error>
        do { result = .success(try await body(room)) } catch { result = .failure(error) }
        for client in clients { client.subscription.cancel() }
        for client in clients { await client.connection.close() }
        return result
    }
    await tearDown()
    return try result.get()
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
