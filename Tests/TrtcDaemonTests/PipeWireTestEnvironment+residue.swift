import TrtcHarness
import TrtcHarnessTesting

extension PipeWireTestEnvironment {
    /// What trtcd has in PipeWire: its stream nodes, and links touching the test camera or microphone.
    struct Residue: Sendable, CustomStringConvertible {
        var streamNodes: [String] = []
        var deviceLinks: [String] = []
        var isEmpty: Bool { streamNodes.isEmpty && deviceLinks.isEmpty }
        var description: String { "streams \(streamNodes), links \(deviceLinks)" }
    }

    func residue() throws -> Residue {
        let objects = try dump()
        var residue = Residue()
        var deviceIds: Set<Int> = []
        for node in objects where node.isNode {
            let name = node.properties["node.name"] ?? ""
            let mediaClass = node.properties["media.class"] ?? ""
            if name == Self.cameraName || name == Self.microphoneName { deviceIds.insert(node.id) }
            // The private PipeWire has no other clients: every capture stream is trtcd's.
            if mediaClass.hasPrefix("Stream/Input") { residue.streamNodes.append("\(name) (\(mediaClass))") }
        }
        for ends in objects.compactMap(\.linkEnds) where deviceIds.contains(ends.output) || deviceIds.contains(ends.input) {
            residue.deviceLinks.append("\([ends.output, ends.input])")
        }
        guard deviceIds.count == 2 else { throw TestFailure("test camera/microphone missing from pw-dump") }
        return residue
    }
}
