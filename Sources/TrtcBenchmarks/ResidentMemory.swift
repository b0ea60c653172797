import Foundation

/// Another process's resident set size, from /proc/PID/status.
enum ResidentMemory {
    /// VmRSS in bytes.
    static func bytes(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
        else { throw BenchFailure("no VmRSS in /proc/\(pid)/status") }
        return kib * 1024
    }
}
