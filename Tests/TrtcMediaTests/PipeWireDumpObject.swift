/// One object of `pw-dump` output, with the fields the tests look at.
struct PipeWireDumpObject: @unchecked Sendable {
    let id: Int
    let type: String
    /// `info.props` (nodes, links, clients, ports) or `props` (metadata), values as strings.
    let properties: [String: String]
    let raw: [String: Any]

    init(_ raw: [String: Any]) {
        self.raw = raw
        id = raw["id"] as? Int ?? -1
        type = raw["type"] as? String ?? ""
        let info = raw["info"] as? [String: Any]
        let props = (info?["props"] as? [String: Any]) ?? (raw["props"] as? [String: Any]) ?? [:]
        properties = props.mapValues { "\($0)" }
    }

    var isNode: Bool { type == "PipeWire:Interface:Node" }
    var isLink: Bool { type == "PipeWire:Interface:Link" }
    var isClient: Bool { type == "PipeWire:Interface:Client" }
    var isMetadata: Bool { type == "PipeWire:Interface:Metadata" }

    /// For links: the node ids at both ends (`info.output-node-id` / `info.input-node-id`).
    var linkEnds: (output: Int, input: Int)? {
        guard isLink, let info = raw["info"] as? [String: Any],
            let output = info["output-node-id"] as? Int, let input = info["input-node-id"] as? Int
        else { return nil }
        return (output, input)
    }

    /// For metadata: its entries as (key, value text).
    var metadataEntries: [(key: String, value: String)] {
        guard let entries = raw["metadata"] as? [[String: Any]] else { return [] }
        return entries.compactMap { entry in
            guard let key = entry["key"] as? String else { return nil }
            return (key, entry["value"].map { "\($0)" } ?? "")
        }
    }
}
