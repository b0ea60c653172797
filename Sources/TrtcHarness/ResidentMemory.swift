import Foundation

/// Another process's memory, from /proc: what `ps` shows as RSS, and how much of it is the process's own.
public struct ResidentMemory: Sendable {
    /// VmRSS: every resident page mapped, shared library code included.
    public var resident: Int
    /// VmHWM: the largest `resident` so far (updated lazily by the kernel).
    public var peak: Int
    /// RssAnon: heap, stacks, dirty data (the process's own allocations).
    public var anonymous: Int
    /// RssFile: code and read-only data of the executable and shared libraries.
    public var file: Int
    /// RssShmem: shared memory, e.g. PipeWire's capture buffers mapped from their memfd.
    public var sharedMemory: Int
    /// Pss (smaps_rollup): resident pages, each shared page divided by the number of processes mapping it.
    public var proportional: Int

    /// All sizes in bytes.
    public static func of(_ pid: Int32) throws -> ResidentMemory {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let rollup = try String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)
        return ResidentMemory(resident: try kibibytes("VmRSS:", in: status, pid) * 1024,
                              peak: try kibibytes("VmHWM:", in: status, pid) * 1024,
                              anonymous: try kibibytes("RssAnon:", in: status, pid) * 1024,
                              file: try kibibytes("RssFile:", in: status, pid) * 1024,
                              sharedMemory: try kibibytes("RssShmem:", in: status, pid) * 1024,
                              proportional: try kibibytes("Pss:", in: rollup, pid) * 1024)
    }

    private static func kibibytes(_ key: String, in text: String, _ pid: Int32) throws -> Int {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
              let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
        else { throw ProcessFailure("no \(key) in /proc/\(pid)") }
        return kib
    }
}
