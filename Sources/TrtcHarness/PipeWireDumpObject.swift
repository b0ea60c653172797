/// One object of `pw-dump` output, with the fields the tests look at.
public struct PipeWireDumpObject: @unchecked Sendable {
    public let id: Int
    public let type: String
    /// `info.props` (nodes, links, clients, ports) or `props` (metadata), values as strings.
    public let properties: [String: String]
    public let raw: [String: Any]

    public init(_ raw: [String: Any]) {
        self.raw = raw
        id = raw["id"] as? Int ?? -1
        type = raw["type"] as? String ?? ""
        let info = raw["info"] as? [String: Any]
        let props = (info?["props"] as? [String: Any]) ?? (raw["props"] as? [String: Any]) ?? [:]
        properties = props.mapValues { "\($0)" }
    }

    public var isNode: Bool { type == "PipeWire:Interface:Node" }
    public var isLink: Bool { type == "PipeWire:Interface:Link" }
    public var isClient: Bool { type == "PipeWire:Interface:Client" }
    public var isMetadata: Bool { type == "PipeWire:Interface:Metadata" }

    /// For links: the node ids at both ends (`info.output-node-id` / `info.input-node-id`).
    public var linkEnds: (output: Int, input: Int)? {
        guard isLink, let info = raw["info"] as? [String: Any],
            let output = info["output-node-id"] as? Int, let input = info["input-node-id"] as? Int
        else { return nil }
        return (output, input)
    }

    /// For metadata: its entries as (key, value text).
    public var metadataEntries: [(key: String, value: String)] {
        guard let entries = raw["metadata"] as? [[String: Any]] else { return [] }
        return entries.compactMap { entry in
            guard let key = entry["key"] as? String else { return nil }
            return (key, entry["value"].map { "\($0)" } ?? "")
        }
    }
}
