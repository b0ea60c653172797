import Foundation
import ArgumentParser
import TrtcClient
import TrtcCore

/// `trtcctl server nodes`: the cluster's nodes and their load, as a node's /healthz reports them (docs/cluster.md).
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "List the cluster's nodes with their state and load (from any node's /healthz).")

    @Option(help: ArgumentHelp("The node to ask (default $TRTC_API_ENDPOINT, else \(APIOptions.defaultEndpoint)).", valueName: "URL"))
    var endpoint: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "PEM file of the CAs an https endpoint's certificate must chain to (default $TRTC_CA_FILE).", valueName: "FILE"))
    var caFile: String?

    @Flag(help: "Print the nodes as JSON, as /healthz has them.")
    var json = false

    func run() async throws {
        var base = EnvironmentDefaults.value(endpoint, or: EnvironmentDefaults.apiEndpoint) ?? APIOptions.defaultEndpoint
        if !base.contains("://") { base = "http://" + base }
        while base.hasSuffix("/") { base.removeLast() }
        let response: HTTPExchange.Response
        do {
            let trust = try ServerTrust.trusting(caFile: EnvironmentDefaults.value(caFile, or: EnvironmentDefaults.caFile))
            response = try await HTTPExchange.perform(.GET, try ServerURL(base + "/healthz"), trust: trust)
        } catch {
            throw CommandFailure("GET \(base)/healthz failed: \(error)")
        }
        guard response.status == 200 else {
            throw CommandFailure("GET \(base)/healthz answered HTTP \(response.status) (only this host may ask, unless --public-metrics)")
        }
        guard case .object(let health)? = try? JSONCoding.parse(response.body),
              case .object(let cluster)? = health["cluster"], case .array(let nodes)? = cluster["nodes"] else {
            throw CommandFailure("\(base) is not in cluster mode (its /healthz has no cluster)")
        }
        if json {
            StandardStreams.writeOutput(JSONCoding.print(.array(nodes)) + "\n")
            return
        }
        var rows = [["NODE", "STATE", "LIVE", "USERS", "ROOMS", "CAPACITY", "LEASE", "SIGNAL"]]
        for case .object(let node) in nodes {
            func text(_ key: String) -> String {
                switch node[key] {
                case .string(let value)?: value
                case .integer(let value)?: String(value)
                case .bool(let value)?: value ? "yes" : "no"
                default: "-"
                }
            }
            let lease: String = if case .integer(let ms)? = node["leaseRemainingMs"] {
                ms > 0 ? String(format: "%.1fs", Double(ms) / 1000) : "expired"
            } else { "-" }
            rows.append([text("node"), text("state"), text("live"), text("users"), text("rooms"), text("capacity"), lease,
                         text("signalURL")])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            StandardStreams.writeOutput(padded.joined(separator: "  ") + "\n")
        }
    }
}
