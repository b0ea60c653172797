import ArgumentParser
import Foundation
import TrtcHarness
import TrtcNetLab

/// `trtc-bench relay`: the network lab's userspace impairment relay as a process (docs/network-lab.md). Start
/// trtc-server with `--media-announce 127.0.0.1:<relay port>` so clients' media goes through it.
/// Prints `relay PORT` when listening, then each direction's counts every second until stopped.
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "A seeded UDP impairment relay in front of a media port (delay, jitter, loss, capacity, outages).")

    @Option(help: "Where to relay to: the server's media HOST:PORT.")
    var upstream: String

    @Option(help: "Client → server impairments, e.g. \"delay=50ms,jitter=10ms,loss=2%,rate=1mbit,queue=50pkt\".")
    var uplink = ""

    @Option(help: "Server → client impairments (same form).")
    var downlink = ""

    @Option(help: "Seed of the loss and jitter decisions.")
    var seed: UInt64 = 1

    @Option(help: "Address to listen on (port chosen by the system).")
    var listen = "127.0.0.1"

    func run() async throws {
        guard let colon = upstream.lastIndex(of: ":"), let port = Int(upstream[upstream.index(after: colon)...]) else {
            throw ValidationError("--upstream must be HOST:PORT")
        }
        let up: ImpairmentProfile
        let down: ImpairmentProfile
        do {
            up = try ImpairmentProfile(parsing: uplink)
            down = try ImpairmentProfile(parsing: downlink)
        } catch {
            throw ValidationError("\(error)")
        }
        let relay = try await ImpairmentRelay.start(to: String(upstream[..<colon]), port: port, uplink: up, downlink: down,
                                                    seed: seed, host: listen)
        FileHandle.standardOutput.write(Data("relay \(relay.port)\n".utf8))
        while true {
            try await Task.sleep(for: .seconds(1))
            var line = ""
            for direction in ImpairmentRelay.Direction.allCases {
                let statistics = try await relay.statistics(direction)
                let drops = ImpairedLink.DropReason.allCases.map { "\($0.rawValue) \(statistics.dropped[$0, default: 0])" }.joined(separator: ", ")
                line += "\(direction): \(statistics.packets) in, \(statistics.delivered) out (\(drops)); "
            }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}
