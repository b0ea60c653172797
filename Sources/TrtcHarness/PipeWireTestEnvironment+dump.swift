import Foundation

extension PipeWireTestEnvironment {
    /// `pw-dump` as objects. Throws when pw-dump fails or its output is not a JSON array: a lookup must not take a
    /// broken dump for "no such object". pw-dump 0.3.65 sometimes prints malformed JSON while objects come and go,
    /// so a malformed dump is tried twice more.
    public func dump() throws -> [PipeWireDumpObject] {
        var lastProblem = ""
        for _ in 0..<3 {
            let result = try run("pw-dump", []).successful("pw-dump")
            if let objects = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]] {
                return objects.map(PipeWireDumpObject.init)
            }
            lastProblem = "output ends: \(result.stdout.suffix(300))"
        }
        throw ProcessFailure("pw-dump printed no JSON array three times: \(lastProblem)")
    }

    /// The id of the node called `name`, nil if there is none; throws when the dump cannot be read.
    public func nodeId(named name: String) throws -> Int? {
        try dump().first { $0.isNode && $0.properties["node.name"] == name }?.id
    }

    /// Polls `pw-dump` until the node called `name` exists (`present`) or not, for up to `timeout`; whether it did.
    public func waitForNode(named name: String, present: Bool, timeout: Duration = .seconds(5)) async throws -> Bool {
        do {
            try await waitUntil("node \(name) \(present ? "present" : "gone")", timeout: timeout, interval: .milliseconds(100)) {
                (try nodeId(named: name) != nil) == present
            }
            return true
        } catch is TimedOut {
            return false
        }
    }
}
