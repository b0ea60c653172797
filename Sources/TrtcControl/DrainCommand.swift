import ArgumentParser
import Foundation
import TrtcClient
import TrtcCore

/// `trtcctl server drain`: `POST /admin/drain` (or `/admin/undrain` with `--resume`) at a cluster node on this host
/// (docs/cluster.md): no new rooms are placed on it; its rooms go on until they end.
struct DrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Stop placing new rooms on a cluster node (its rooms go on until they end); --resume undoes it.")

    @Option(help: ArgumentHelp("The node, on this host (default $TRTC_API_ENDPOINT, else \(APIOptions.defaultEndpoint)).",
                               valueName: "URL"))
    var endpoint: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "PEM file of the CAs an https endpoint's certificate must chain to (default $TRTC_CA_FILE).", valueName: "FILE"))
    var caFile: String?

    @Flag(help: "Take new rooms again (POST /admin/undrain).")
    var resume = false

    func run() async throws {
        var base = EnvironmentDefaults.value(endpoint, or: EnvironmentDefaults.apiEndpoint) ?? APIOptions.defaultEndpoint
        if !base.contains("://") { base = "http://" + base }
        while base.hasSuffix("/") { base.removeLast() }
        let path = resume ? "/admin/undrain" : "/admin/drain"
        let response: HTTPExchange.Response
        do {
            let trust = try ServerTrust.trusting(caFile: EnvironmentDefaults.value(caFile, or: EnvironmentDefaults.caFile))
            response = try await HTTPExchange.perform(.POST, try ServerURL(base + path), trust: trust)
        } catch {
            throw CommandFailure("POST \(base)\(path) failed: \(error)")
        }
        let answer = try? JSONCoding.parse(response.body)
        switch response.status {
        case 200:
            guard case .object(let fields)? = answer, case .string(let node)? = fields["node"],
                  case .string(let state)? = fields["state"] else {
                throw CommandFailure("\(base) answered \(String(decoding: response.body.prefix(200), as: UTF8.self))")
            }
            StandardStreams.writeOutput(state == "draining"
                ? "node \(node): draining (no new rooms are placed on it; its rooms go on until they end)\n"
                : "node \(node): serving (new rooms may be placed on it)\n")
        case 404:
            throw CommandFailure("POST \(base)\(path) answered HTTP 404 (only this host may drain a node)")
        case 409:
            throw CommandFailure("\(base) is not in cluster mode")
        default:
            throw CommandFailure("POST \(base)\(path) answered HTTP \(response.status)")
        }
    }
}
