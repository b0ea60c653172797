import Foundation
import Glibc
import Logging
import Synchronization
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcRTP

enum SFUScenario: CustomStringConvertible {
    /// One publisher, `receivers` others receiving.
    case fanOut(receivers: Int)
    /// Every member publishes and receives everyone else.
    case mesh(members: Int)

    var members: Int {
        switch self {
        case .fanOut(let receivers): receivers + 1
        case .mesh(let members): members
        }
    }

    var publishers: Int {
        switch self {
        case .fanOut: 1
        case .mesh(let members): members
        }
    }

    var description: String {
        switch self {
        case .fanOut(let receivers): "1 → \(receivers)"
        case .mesh(let members): "\(members) × \(members)"
        }
    }
}

/// One measured row.
struct SFUResult {
    var scenario: String
    var forwarder: String
    var packetsInPerSecond: Double
    var packetsOutPerSecond: Double
    var cpuShare: Double
    var note: String = ""

    var packetsOutPerCore: Double { cpuShare > 0 ? packetsOutPerSecond / cpuShare : 0 }

    static func markdownTable(_ rows: [SFUResult]) -> String {
        var lines = ["| scenario | forwarder | packets in/s | packets out/s | CPU (share of a core) | packets out/s per core | vs raw |",
                     "|---|---|---:|---:|---:|---:|---:|"]
        var raw: [String: Double] = [:]
        for row in rows where row.forwarder == "raw" { raw[row.scenario] = row.packetsOutPerCore }
        for row in rows {
            let ratio = row.forwarder == "raw" ? "1.00" : raw[row.scenario].map { (row.packetsOutPerCore / $0).decimal(digits: 2) } ?? "–"
            lines.append("| \(row.scenario) | \(row.forwarder)\(row.note.isEmpty ? "" : " (\(row.note))") | "
                + "\(Int(row.packetsInPerSecond).grouped) | \(Int(row.packetsOutPerSecond).grouped) | \(row.cpuShare.decimal(digits: 2)) | "
                + "\(Int(row.packetsOutPerCore).grouped) | \(ratio)× |")
        }
        return lines.joined(separator: "\n")
    }
}

/// Runs one scenario against the raw forwarder and trtc-server.
struct SFUBenchmark: Sendable {
    let launcher: ServerProcess.Launcher
    let rate: Int
    let seconds: Double
    let log: @Sendable (String) -> Void
    static let payloadBytes = 1200 - 12

    var forwarderCPU: Int { max(0, CPUAffinity.cpuCount - 1) }

    func run(_ scenario: SFUScenario) async throws -> [SFUResult] {
        if CPUAffinity.cpuCount > 1 { try CPUAffinity.pin(cpu: 0) }
        return [try await runRaw(scenario), try await runServer(scenario)]
    }

    // MARK: raw forwarder

    private func runRaw(_ scenario: SFUScenario) async throws -> SFUResult {
        log("\(scenario): raw forwarder")
        // Receivers: sockets nobody reads (the kernel drops what overflows; the forwarder's sends succeed either way).
        let sinks = try (0..<(scenario.members - 1)).map { _ in try PlainUDPSocket() }
        defer { for sink in sinks { sink.close() } }
        let process = try ChildProcess(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                                       ["sfu", "raw-forwarder", "--destinations", sinks.map { String($0.port) }.joined(separator: ",")],
                                       name: "raw-forwarder")
        do {
            let result = try await measureRaw(scenario, process: process)
            await process.stop()
            return result
        } catch {
            await process.stop()
            throw error
        }
    }

    private func measureRaw(_ scenario: SFUScenario, process: ChildProcess) async throws -> SFUResult {
        let portLine = try await process.waitForLine(containing: "port ")
        guard let port = UInt16(portLine.split(separator: " ").last ?? "") else { throw BenchFailure("raw forwarder said \(portLine)") }
        if CPUAffinity.cpuCount > 1 { try CPUAffinity.pin(pid: process.pid, cpu: forwarderCPU) }
        let senders = try (0..<scenario.publishers).map { _ in try PlainUDPSocket(connectedTo: port) }
        defer { for sender in senders { sender.close() } }
        return try await measure(scenario, forwarder: "raw", pid: process.pid,
                                 send: { index, sequence in senders[index].send(Self.packet(ssrc: UInt32(index + 1), sequence: sequence)) },
                                 packetsOut: {
                                     process.output.last { $0.hasPrefix("forwarded ") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
                                 })
    }

    // MARK: trtc-server

    private func runServer(_ scenario: SFUScenario) async throws -> SFUResult {
        log("\(scenario): trtc-server (SRTP)")
        // The forwarding path itself is measured: no per-member rate limits (each sender floods).
        let server = try await ServerProcess.start(launcher, certificate: nil, departureTimeout: 120, logLevel: "error",
                                                   extraArguments: ["--member-rtp-rate", "0", "--member-bitrate", "0"])
        do {
            let result = try await measureServer(scenario, server: server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private func measureServer(_ scenario: SFUScenario, server: ServerProcess) async throws -> SFUResult {
        if CPUAffinity.cpuCount > 1 { try CPUAffinity.pin(pid: server.pid, cpu: forwarderCPU) }
        let finished = StopFlag()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let peers = try await SFUMembers.enter(scenario, server: server, finished: finished, group: &group)
            defer {
                finished.set()
                for peer in peers { peer.close() }
            }
            let result = try await measure(scenario, forwarder: "trtc-server SRTP", pid: server.pid,
                                           send: { index, sequence in
                                               let peer = peers[index]
                                               peer.send(Self.packet(ssrc: peer.grant.videoSsrc, sequence: sequence))
                                           },
                                           packetsOut: {
                                               Int(try await server.metricValue(#"trtc_media_packets_total{direction="out"}"#) ?? 0)
                                           })
            // What a receiver got, decrypted: the path works end to end, not just counts.
            let sample = peers.last!.receive(timeoutMs: 200).count
            guard sample > 0 else { throw BenchFailure("\(scenario): the last member decrypted nothing") }
            return result
        }
    }

    // MARK: measuring

    /// Warms up 1 s, then sends for `seconds` and reads the forwarder's packets out and CPU before and after.
    private func measure(_ scenario: SFUScenario, forwarder: String, pid: Int32,
                         send: @escaping @Sendable (Int, UInt16) -> Void,
                         packetsOut: @Sendable () async throws -> Int) async throws -> SFUResult {
        let generator = PacedSender(publishers: scenario.publishers, rate: rate, send: send)
        let thread = Thread { generator.run() }
        thread.start()
        defer { generator.stop() }
        try await Task.sleep(for: .seconds(1))
        let (outBefore, cpuBefore, sentBefore, start) = (try await packetsOut(), try ProcessCPU.seconds(of: pid), generator.sent, ContinuousClock.now)
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        let (outAfter, cpuAfter, sentAfter, end) = (try await packetsOut(), try ProcessCPU.seconds(of: pid), generator.sent, ContinuousClock.now)
        let elapsed = Double((end - start) / .microseconds(1)) / 1e6
        return SFUResult(
            scenario: scenario.description, forwarder: forwarder,
            packetsInPerSecond: Double(sentAfter - sentBefore) / elapsed,
            packetsOutPerSecond: Double(outAfter - outBefore) / elapsed,
            cpuShare: (cpuAfter - cpuBefore) / elapsed)
    }

    static func packet(ssrc: UInt32, sequence: UInt16) -> [UInt8] {
        var bytes: [UInt8] = [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        let timestamp = UInt32(sequence) &* 3000
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: timestamp >> UInt32(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: ssrc >> UInt32(shift))) }
        bytes.append(contentsOf: repeatElement(0x5A, count: payloadBytes))
        return bytes
    }
}

/// Sends `rate` packets/s per publisher from one thread, in 1 ms steps.
final class PacedSender: Sendable {
    let publishers: Int
    let rate: Int
    let send: @Sendable (Int, UInt16) -> Void
    private let stopped = Atomic<Bool>(false)
    private let sentCount = Atomic<Int>(0)

    init(publishers: Int, rate: Int, send: @escaping @Sendable (Int, UInt16) -> Void) {
        self.publishers = publishers
        self.rate = rate
        self.send = send
    }

    var sent: Int { sentCount.load(ordering: .relaxed) }
    func stop() { stopped.store(true, ordering: .relaxed) }

    func run() {
        let start = ContinuousClock.now
        var sequence: UInt16 = 0
        var due = 0
        while !stopped.load(ordering: .relaxed) {
            let elapsedMicros = (ContinuousClock.now - start) / .microseconds(1)
            let target = Int(Double(elapsedMicros) * Double(rate) / 1e6)
            while due < target {
                sequence &+= 1
                for publisher in 0..<publishers { send(publisher, sequence) }
                sentCount.add(publishers, ordering: .relaxed)
                due += 1
            }
            usleep(1000)
        }
    }
}

/// Plain UDP sockets on loopback for the raw forwarder's senders and receivers.
final class PlainUDPSocket: Sendable {
    let fd: Int32
    let port: UInt16

    init(connectedTo destination: UInt16? = nil) throws {
        let socketFd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard socketFd >= 0 else { throw BenchFailure("socket: \(String(cString: strerror(errno)))") }
        var local = PlainUDPSocket.loopback(port: 0)
        _ = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFd, $0, &length) } }
        if let destination {
            var remote = PlainUDPSocket.loopback(port: destination)
            _ = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        fd = socketFd
        port = UInt16(bigEndian: bound.sin_port)
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
    }

    func close() { Glibc.close(fd) }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}

/// Set once when the members of a scenario may leave.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}

/// The members of one scenario at trtc-server: each a signaling connection held open with heartbeats, in the
/// caller's task group, until `finished` is set.
enum SFUMembers {
    /// Adds one task per member to `group`; returns their connected media peers, in member order (publishers first).
    static func enter(_ scenario: SFUScenario, server: ServerProcess, finished: StopFlag,
                      group: inout ThrowingTaskGroup<Void, any Error>) async throws -> [SecureMediaPeer] {
        let (grants, grantSink) = AsyncThrowingStream.makeStream(of: (Int, MediaGrant, MediaPeerIdentity).self)
        var logger = Logger(label: "sfu-bench")
        logger.logLevel = .error
        for index in 0..<scenario.members {
            let publishes = index < scenario.publishers
            group.addTask { [logger] in
                do {
                    let identity = try MediaPeerIdentity()
                    let userId = "m\(index)"
                    let sig = UserSig.generate(sdkAppId: server.sdkAppId, userId: userId, secretKey: server.secretKey, expire: 3600)
                    try await SignalingClient.withConnection(server: server.url, logger: logger) { channel in
                        channel.send(.enter(EnterRequest(seq: 1, sdkAppId: server.sdkAppId, userId: userId, userSig: sig,
                                                         room: .numeric(1), video: publishes, media: identity.offer)))
                        for try await message in channel.messages {
                            if case .entered(let entered) = message {
                                grantSink.yield((index, entered.media, identity))
                                break
                            }
                            if case .error(let error) = message { throw BenchFailure("\(userId) refused: \(error)") }
                        }
                        var step = 0
                        while !finished.isSet {
                            if step % 10 == 0 { channel.send(.heartbeat) }
                            step += 1
                            try await Task.sleep(for: .milliseconds(100))
                        }
                        channel.send(.leave(seq: 2))
                    }
                } catch {
                    grantSink.finish(throwing: error)
                    throw error
                }
            }
        }
        var peers = [SecureMediaPeer?](repeating: nil, count: scenario.members)
        var collected = 0
        for try await (index, grant, identity) in grants {
            let peer = try SecureMediaPeer(grant: grant, identity: identity)
            try peer.connect()
            peers[index] = peer
            collected += 1
            if collected == scenario.members { break }
        }
        guard collected == scenario.members else { throw BenchFailure("only \(collected) of \(scenario.members) members entered") }
        return peers.compactMap { $0 }
    }
}
