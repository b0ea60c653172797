import Foundation
import Testing
import TrtcHarness

/// scripts/netlab-netns, the network lab's root variant: capacity (tbf) and random loss (nftables) between two
/// namespaces it creates. Runs as root only (CI does), with `nft` and `python3`; touches nothing outside the
/// namespaces it made, and deletes them.
@Suite(.serialized, .enabled(if: netlabNamespacesAvailable, "needs root, nft and python3"))
struct NetlabNamespaceTests {
    static let script = BuiltProducts.repositoryRoot.appendingPathComponent("scripts/netlab-netns").path

    /// Receives on 10.77.0.1:9000 in NAME-srv until 1 s of silence; prints "count bytes seconds(first→last)".
    static let receiver = """
        import socket, time
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.77.0.1", 9000)); s.settimeout(3.0)
        n = b = 0; first = last = None
        try:
            while True:
                data = s.recv(2000); now = time.monotonic(); n += 1; b += len(data)
                first = first or now; last = now; s.settimeout(1.0)
        except socket.timeout:
            pass
        print(n, b, (last - first) if n > 1 else 0)
        """

    /// Sends COUNT datagrams of SIZE bytes every GAP seconds from NAME-cli.
    static func sender(count: Int, size: Int, gap: Double) -> String {
        """
        import socket, time
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); start = time.monotonic()
        for i in range(\(count)):
            try: s.sendto(b"x" * \(size), ("10.77.0.1", 9000))
            except OSError: pass
            time.sleep(max(0, start + (i + 1) * \(gap) - time.monotonic()))
        """
    }

    static func run(name: String, options: [String], count: Int, size: Int, gap: Double) async throws -> (packets: Int, bytes: Int, seconds: Double) {
        try await CommandRun.run(script, ["up", name] + options).successful("netlab-netns up")
        do {
            async let received = CommandRun.run(script, ["exec", name, "srv", "python3", "-c", receiver], timeout: .seconds(30))
            try await Task.sleep(for: .milliseconds(300))
            try await CommandRun.run(script, ["exec", name, "cli", "python3", "-c", sender(count: count, size: size, gap: gap)],
                                     timeout: .seconds(30)).successful("sender")
            let fields = try await received.successful("receiver").stdout.split(separator: " ").map { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
            try await CommandRun.run(script, ["down", name]).successful("netlab-netns down")
            return (Int(fields[0]), Int(fields[1]), fields[2])
        } catch {
            _ = try? await CommandRun.run(script, ["down", name])
            throw error
        }
    }

    static func uniqueName() -> String { "nl" + String(UInt32.random(in: 0...UInt32.max), radix: 36).prefix(6) }

    @Test("--loss 10: about a tenth of the client's datagrams never reach the server")
    func randomLoss() async throws {
        let name = Self.uniqueName()
        let result = try await Self.run(name: name, options: ["--loss", "10", "--down-loss", "0"], count: 2000, size: 200, gap: 0.0005)
        let loss = 1 - Double(result.packets) / 2000
        print("netns loss: \(result.packets) of 2000 received, \(loss * 100) % lost")
        #expect(loss > 0.07 && loss < 0.13)
        let namespaces = try await CommandRun.run("ip", ["netns", "list"]).stdout
        #expect(!namespaces.contains(name), "down removed the namespaces")
    }

    @Test("--rate 1mbit: 2 Mbit/s offered, about 1 Mbit/s arrives")
    func capacity() async throws {
        let result = try await Self.run(name: Self.uniqueName(), options: ["--rate", "1mbit"], count: 500, size: 972, gap: 0.004)
        // tbf counts the IP packet: 972 + 28 bytes.
        let rate = Double(result.packets * 1000 * 8) / result.seconds
        print("netns capacity: \(result.packets) of 500 received in \(result.seconds) s, \(Int(rate)) bit/s")
        #expect(rate > 850_000 && rate < 1_150_000)
        #expect(result.packets < 400, "the excess was dropped, not queued forever")
    }
}

private var netlabNamespacesAvailable: Bool {
    geteuid() == 0 && ["/usr/sbin/nft", "/usr/bin/python3"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
}
