import Foundation
import TrtcTestSupport

/// A private PipeWire + WirePlumber (scripts/pipewire-test-env) with the test camera `trtc-test-camera`
/// (videotestsrc) and microphone `trtc-test-microphone` (440 Hz sine).
final class MediaPipeWire: Sendable {
    static let camera = "trtc-test-camera"
    static let microphone = "trtc-test-microphone"
    static let toneFrequency = 440.0

    let directory: String
    /// XDG_RUNTIME_DIR, PIPEWIRE_RUNTIME_DIR, PIPEWIRE_REMOTE, … as the script exported them.
    let exports: [String: String]

    static var script: String { BuiltProducts.repositoryRoot.appendingPathComponent("scripts/pipewire-test-env").path }

    static func start() throws -> MediaPipeWire {
        let result = try MediaToolRun.run([script, "start"], environment: ProcessInfo.processInfo.environment)
        guard result.status == 0 else { throw MediaTestFailure("pipewire-test-env start failed: \(result.errorOutput)") }
        var exports: [String: String] = [:]
        for line in result.output.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            exports[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
                .trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        }
        guard let directory = exports["PIPEWIRE_TEST_DIR"] else { throw MediaTestFailure("no PIPEWIRE_TEST_DIR in \(result.output)") }
        return MediaPipeWire(directory: directory, exports: exports)
    }

    private init(directory: String, exports: [String: String]) {
        self.directory = directory
        self.exports = exports
    }

    func stop() {
        _ = try? MediaToolRun.run([Self.script, "stop", directory], environment: ProcessInfo.processInfo.environment)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The environment that makes a process (trtcd, pw-dump) use this PipeWire.
    var environment: [String: String] { exports }

    var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(exports) { _, exported in exported }
    }

    /// Runs a PipeWire tool (pw-cli, …) against this PipeWire.
    @discardableResult
    func run(_ arguments: [String]) throws -> MediaToolRun.Result {
        try MediaToolRun.run(arguments, environment: childEnvironment)
    }

    /// The id of the node called `name`, from `pw-dump`.
    func nodeId(named name: String) throws -> Int? {
        let result = try run(["pw-dump"])
        guard let objects = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [[String: Any]] else { return nil }
        return objects.first { object in
            ((object["info"] as? [String: Any])?["props"] as? [String: Any])?["node.name"] as? String == name
        }?["id"] as? Int
    }

    /// Polls pw-dump until the node called `name` exists (`present`) or not, for up to 5 s; returns whether it did.
    func waitForNode(named name: String, present: Bool) async throws -> Bool {
        for _ in 0..<50 {
            if (try nodeId(named: name) != nil) == present { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// What trtcd has in PipeWire: its stream nodes, and links touching the test camera or microphone.
    struct Residue: Sendable, CustomStringConvertible {
        var streamNodes: [String] = []
        var deviceLinks: [String] = []
        var isEmpty: Bool { streamNodes.isEmpty && deviceLinks.isEmpty }
        var description: String { "streams \(streamNodes), links \(deviceLinks)" }
    }

    /// Parses `pw-dump` (retried: 0.3.65 sometimes prints malformed JSON while objects come and go).
    func residue() throws -> Residue {
        var problem = ""
        for _ in 0..<3 {
            let result = try MediaToolRun.run(["pw-dump"], environment: childEnvironment)
            guard result.status == 0 else { throw MediaTestFailure("pw-dump failed: \(result.errorOutput)") }
            guard let objects = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [[String: Any]] else {
                problem = String(result.output.suffix(200))
                continue
            }
            var residue = Residue()
            var deviceIds: Set<Int> = []
            for object in objects where (object["type"] as? String) == "PipeWire:Interface:Node" {
                let props = (object["info"] as? [String: Any])?["props"] as? [String: Any] ?? [:]
                let name = props["node.name"] as? String ?? ""
                let mediaClass = props["media.class"] as? String ?? ""
                if name == Self.camera || name == Self.microphone, let id = object["id"] as? Int { deviceIds.insert(id) }
                // The private PipeWire has no other clients: every capture stream is trtcd's.
                if mediaClass.hasPrefix("Stream/Input") { residue.streamNodes.append("\(name) (\(mediaClass))") }
            }
            for object in objects where (object["type"] as? String) == "PipeWire:Interface:Link" {
                let info = object["info"] as? [String: Any] ?? [:]
                let ends = [info["output-node-id"] as? Int, info["input-node-id"] as? Int].compactMap { $0 }
                if ends.contains(where: deviceIds.contains) { residue.deviceLinks.append("\(ends)") }
            }
            guard deviceIds.count == 2 else { throw MediaTestFailure("test camera/microphone missing from pw-dump") }
            return residue
        }
        throw MediaTestFailure("pw-dump printed malformed JSON three times: \(problem)")
    }
}
