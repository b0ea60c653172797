import Foundation
import Testing
import TrtcServer

/// `--cluster-db` and its companions, and the config file's `cluster` object, without a database.
@Suite("cluster mode flags and configuration")
struct ClusterConfigurationTests {
    private let credentials = ["--app", "1400000001:key", "--api-credential", "AKIDx:key"]

    private func configuration(_ arguments: [String]) throws -> (ServerConfiguration, String) {
        try ServerCommand.parse(credentials + arguments).makeConfiguration()
    }

    @Test("no --cluster-db: the embedded single node, no cluster, no banner line")
    func singleNodeByDefault() throws {
        let (configuration, banner) = try configuration([])
        #expect(configuration.cluster == nil)
        #expect(!banner.contains("cluster"))
    }

    @Test("flags: URL taken apart, password hidden in the banner; node id, signal URL, capacity, TTL")
    func flags() throws {
        let (configuration, banner) = try configuration([
            "--cluster-db", "postgres://trtc:s%40cret@db.internal:6543/rooms?sslmode=require", "--node-id", "media-1",
            "--signal-url", "wss://media-1.example.com:7800", "--node-capacity", "9000", "--lease-ttl", "7.5"])
        let cluster = try #require(configuration.cluster)
        #expect(cluster.database.user == "trtc" && cluster.database.password == "s@cret")
        #expect(cluster.database.host == "db.internal" && cluster.database.port == 6543 && cluster.database.database == "rooms")
        #expect(cluster.database.requireTLS)
        #expect(cluster.nodeId == "media-1" && cluster.signalURL == "wss://media-1.example.com:7800" && cluster.capacity == 9000)
        #expect(cluster.leaseTTL == .milliseconds(7500))
        #expect(cluster.renewInterval == .milliseconds(1500) && cluster.fenceAfter == .milliseconds(6000))
        #expect(banner.contains("cluster     node media-1, postgres://trtc:***@db.internal:6543/rooms, lease 7.5 s"))
        #expect(!banner.contains("s@cret") && !banner.contains("s%40cret"))
    }

    @Test("a unix socket directory; the default user and database")
    func unixSocket() throws {
        let url = try PostgresURL(parsing: "postgresql:///?host=/run/postgresql&port=5433")
        #expect(url.socketDirectory == "/run/postgresql" && url.port == 5433 && url.user == "postgres" && url.database == "postgres")
    }

    @Test("bad input: a clear error, no start")
    func refusals() throws {
        #expect(throws: (any Error).self) { try configuration(["--cluster-db", "mysql://x@y/z"]) }
        #expect(throws: (any Error).self) { try configuration(["--cluster-db", "postgres://x@y:99999/z"]) }
        #expect(throws: (any Error).self) { try configuration(["--cluster-db", "postgres://x@y/z?sslmode=sometimes"]) }
        #expect(throws: (any Error).self) { try configuration(["--cluster-db", "postgres://x@y/z", "--signal-url", "http://a:1"]) }
        #expect(throws: (any Error).self) { try configuration(["--cluster-db", "postgres://x@y/z", "--lease-ttl", "0.1"]) }
        #expect(throws: (any Error).self) { try configuration(["--cluster-db", "postgres://x@y/z", "--node-capacity", "-1"]) }
        // A wildcard listen address says nothing about where clients reach the node.
        #expect(throws: (any Error).self) {
            try configuration(["--cluster-db", "postgres://x@y/z", "--listen", "0.0.0.0:7800", "--insecure-plaintext"])
        }
    }

    @Test("the config file's cluster object; its mediaAddress is the announced media address")
    func configFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString).json")
        try Data("""
            {"cluster": {"database": "postgres://trtc@db:5432/trtc", "nodeId": "n7", "signalURL": "ws://10.0.0.7:7800",
                         "mediaAddress": "10.0.0.7:7801", "capacity": 50, "leaseTtlSeconds": 3}}
            """.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (configuration, _) = try configuration(["--config", file.path])
        let cluster = try #require(configuration.cluster)
        #expect(cluster.nodeId == "n7" && cluster.signalURL == "ws://10.0.0.7:7800" && cluster.capacity == 50)
        #expect(cluster.leaseTTL == .seconds(3))
        #expect(configuration.mediaAnnounce?.description == "10.0.0.7:7801")
    }
}
