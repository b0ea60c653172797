import ArgumentParser
import Foundation
import TrtcHarness
import TrtcServer

/// `trtc-bench server`: latency, dismissal, join rate, memory and capacity of trtc-server.
struct ServerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Benchmark trtc-server: a server process on 127.0.0.1 and simulated clients in this process.",
        discussion: """
            Each section starts its own server process (by default this executable's `trtc-server` subcommand, \
            which is trtc-server itself) so that the server's memory and CPU are measured apart from the clients'.
            """,
        subcommands: [BareWebSocketServerCommand.self])

    @Option(help: "Users entered and held in the capacity section.")
    var users = 10_000

    @Option(help: "Rooms the capacity section spreads its users over.")
    var rooms = 1_000

    @Option(help: "Seconds the capacity section holds its users with heartbeats.")
    var hold = 10.0

    @Option(help: "enter requests in flight at once when many users enter.")
    var joinWindow = 256

    @Option(help: "WebSocket handshakes in flight at once.")
    var connectWindow = 256

    @Option(help: "Entries and RemoveUser calls measured one at a time.")
    var latencySamples = 500

    @Option(help: "Members of the room DismissRoom is measured on.")
    var dismissMembers = 1_000

    @Option(help: "Anchors among the dismissed room's members (the others are audience of the live scene).")
    var dismissAnchors = 10

    @Option(help: "Rooms dismissed (one measurement each).")
    var dismissRounds = 3

    @Option(help: "RemoveUser calls measured while the capacity section's users are held.")
    var removeSamples = 100

    @Option(help: "Isolation section: members of the busy room (they enter, then drop their connections and stay members).")
    var isolationMembers = 10_000

    @Option(help: "Isolation section: anchors of the busy room toggling their publishing.")
    var isolationFlooders = 50

    @Option(help: "Isolation section: toggles per second of each of them (the server allows 10).")
    var isolationFloodRate = 9.0

    @Option(help: "Isolation section: seconds of each phase (busy room idle, then flooded).")
    var isolationSeconds = 10.0

    @Option(help: "The server's departure timeout in seconds (clients send heartbeats every quarter of it).")
    var departureTimeout = 5.0

    @Option(help: "Sections to run, comma-separated: latency, dismiss, capacity, isolation.")
    var only: String?

    @Option(help: "Run this trtc-server executable instead of this program's own trtc-server subcommand.")
    var serverBinary: String?

    @Flag(help: "Diagnostic: run the capacity section against a bare Hummingbird WebSocket server (no rooms) to see that framework layer's own memory per connection; entering then fails.")
    var bareWebsocketServer = false

    @Option(help: "Seconds to wait for the server's start-up banner (more for a server under valgrind).")
    var serverStartTimeout = 20.0

    @Option(help: "Also write the results (markdown) to this file (created or replaced).")
    var output: String?

    func validate() throws {
        try ReportFile.validate(output)
        guard users > 0, rooms > 0, rooms <= users else { throw ValidationError("need 0 < --rooms ≤ --users") }
        guard joinWindow > 0, connectWindow > 0 else { throw ValidationError("windows must be positive") }
        guard latencySamples > 0, dismissMembers > 0, dismissRounds > 0 else {
            throw ValidationError("sample counts must be positive")
        }
        guard isolationMembers > 0, isolationFlooders > 0, isolationFloodRate > 0, isolationSeconds > 0 else {
            throw ValidationError("the isolation options must be positive")
        }
        guard hold >= 0, hold <= 3600, departureTimeout > 0, departureTimeout <= 3600 else {
            throw ValidationError("--hold and --departure-timeout take 0…3600 seconds")
        }
    }

    func run() async throws {
        let limit = FileDescriptorLimit.raiseToHardLimit() ?? 0
        let launcher: ServerProcess.Launcher
        if bareWebsocketServer {
            launcher = .init(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                             leadingArguments: ["server", "bare-websocket-server"])
        } else if let serverBinary {
            launcher = .init(executable: URL(fileURLWithPath: serverBinary), leadingArguments: [])
        } else {
            launcher = .init(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                             leadingArguments: ["trtc-server"])
        }
        var sections = Set(ServerBenchmark.Section.allCases)
        if let only {
            sections = []
            for name in only.split(separator: ",") {
                guard let section = ServerBenchmark.Section(rawValue: String(name)) else {
                    throw ValidationError("unknown section \(name.debugDescription); use latency, dismiss, capacity, isolation")
                }
                sections.insert(section)
            }
        }
        if sections.contains(.isolation) && isolationMembers + isolationFlooders + 64 > limit {
            throw ValidationError("\(isolationMembers) members need more descriptors than the limit of \(limit) (ulimit -Hn)")
        }
        if sections.contains(.capacity) && users + 64 > limit {
            throw ValidationError("\(users) users need more descriptors than the limit of \(limit) (ulimit -Hn)")
        }
        let options = ServerBenchmark.Options(
            users: users, rooms: rooms, holdSeconds: hold, connectWindow: connectWindow, joinWindow: joinWindow,
            latencySamples: latencySamples, dismissMembers: dismissMembers, dismissRounds: dismissRounds, dismissAnchors: dismissAnchors,
            removeSamplesUnderLoad: removeSamples, isolationMembers: isolationMembers, isolationFlooders: isolationFlooders,
            isolationFloodRate: isolationFloodRate, isolationSeconds: isolationSeconds, departureTimeoutSeconds: departureTimeout,
            serverStartTimeoutSeconds: serverStartTimeout, bareServer: bareWebsocketServer, sections: sections,
            launcher: launcher)
        let log: @Sendable (String) -> Void = { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let machine = MachineDescription.current()
        log("trtc-bench server on \(machine.summary); server: \(launcher.description)")
        let results = try await ServerBenchmark(options: options, log: log).run()
        let report = """
            ## trtc-server

            \(machine.markdown)
            - server: \(serverBinary == nil ? "trtc-server run by trtc-bench as a separate process" : serverBinary!), \
            departure timeout \(departureTimeout.decimal(digits: 1)) s; clients: trtc-bench (its own lean WebSocket clients; \
            ServerAPIClient and a plain HTTP/1.1 connection for the API), loopback

            \(results.markdownTable)

            """
        print(report)
        try ReportFile.write(report, to: output)
        if !results.allTargetsMet { throw ExitCode(2) }
    }
}
