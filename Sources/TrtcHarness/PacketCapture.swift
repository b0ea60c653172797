import Foundation

/// What crossed the loopback interface during a test, captured by tcpdump (Debian's), for checks of what an on-path
/// observer sees. Root only (CI runs as root); the test starts the capture before the traffic and stops it after.
public final class PacketCapture: Sendable {
    /// One TCP segment's or UDP datagram's payload (IPv4 only: the tests' servers listen on 127.0.0.1).
    public struct Segment: Sendable {
        public var isUDP: Bool
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        public var payload: [UInt8]
    }

    private let process: ChildProcess
    private let file: URL

    /// Starts `tcpdump -i lo` with the pcap `filter` (e.g. `tcp port 7800 or udp port 7801`); returns once it listens.
    public static func start(filter: String) async throws -> PacketCapture {
        let file = try BuiltProducts.temporaryDirectory("trtc-capture").appendingPathComponent("lo.pcap")
        let process = try ChildProcess("tcpdump", ["-i", "lo", "-U", "-n", "-s", "0", "-w", file.path, filter], name: "tcpdump")
        try await process.waitForError(containing: "listening on", timeout: .seconds(10))
        return PacketCapture(process: process, file: file)
    }

    private init(process: ChildProcess, file: URL) {
        self.process = process
        self.file = file
    }

    /// Stops tcpdump (it flushes on SIGTERM) and returns every TCP and UDP payload, in capture order.
    public func stop() async throws -> [Segment] {
        process.signal(SIGTERM)
        _ = try await process.waitForExit(timeout: .seconds(10))
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        return try Self.segments(inPcap: [UInt8](try Data(contentsOf: file)))
    }

    /// The classic pcap format (24-byte header, 16-byte record headers) with Linux's loopback link types.
    static func segments(inPcap bytes: [UInt8]) throws -> [Segment] {
        guard bytes.count >= 24 else { throw ProcessFailure("pcap file of \(bytes.count) bytes") }
        func u32(_ at: Int, little: Bool) -> UInt32 {
            let value = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            return little ? value : value.byteSwapped
        }
        let magic = u32(0, little: true)
        guard magic == 0xA1B2_C3D4 || magic == 0xD4C3_B2A1 || magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1 else {
            throw ProcessFailure("not a pcap file")
        }
        let little = magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D
        let linkType = u32(20, little: little)
        // 1: Ethernet (lo on Linux), 113: Linux cooked capture, 276: cooked v2.
        let linkHeader: Int
        switch linkType {
        case 1: linkHeader = 14
        case 113: linkHeader = 16
        case 276: linkHeader = 20
        default: throw ProcessFailure("pcap link type \(linkType)")
        }
        var segments: [Segment] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let captured = Int(u32(offset + 8, little: little))
            let start = offset + 16
            offset = start + captured
            guard offset <= bytes.count else { break }
            let ip = start + linkHeader
            guard ip + 20 <= offset, bytes[ip] >> 4 == 4 else { continue }
            let ipHeader = Int(bytes[ip] & 0x0F) * 4
            let totalLength = Int(bytes[ip + 2]) << 8 | Int(bytes[ip + 3])
            let proto = bytes[ip + 9]
            let transport = ip + ipHeader
            let end = min(offset, ip + totalLength)
            func port(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
            switch proto {
            case 17 where transport + 8 <= end:
                segments.append(Segment(isUDP: true, sourcePort: port(transport), destinationPort: port(transport + 2),
                                        payload: Array(bytes[(transport + 8)..<end])))
            case 6 where transport + 20 <= end:
                let dataOffset = Int(bytes[transport + 12] >> 4) * 4
                guard transport + dataOffset <= end else { continue }
                segments.append(Segment(isUDP: false, sourcePort: port(transport), destinationPort: port(transport + 2),
                                        payload: Array(bytes[(transport + dataOffset)..<end])))
            default:
                continue
            }
        }
        return segments
    }
}
