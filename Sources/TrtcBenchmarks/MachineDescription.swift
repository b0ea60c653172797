import Foundation

/// The machine a benchmark ran on, for the record next to its figures.
struct MachineDescription: Sendable {
    var date: String
    var cores: Int
    var cpuModel: String
    var memory: String
    var kernel: String
    var swiftVersion: String
    var buildMode: String
    var loadAverage: String

    static func current() -> MachineDescription {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let totalKiB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        let kernel = ((try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? "unknown")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let date = ISO8601DateFormatter().string(from: Date())
        #if DEBUG
        let mode = "debug"
        #else
        let mode = "release"
        #endif
        return MachineDescription(
            date: date, cores: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model,
            memory: (Double(totalKiB) / 1_048_576).decimal(digits: 1) + " GiB", kernel: kernel,
            swiftVersion: swiftCompilerVersion(), buildMode: mode, loadAverage: currentLoadAverage())
    }

    var summary: String { "\(cores) × \(cpuModel), \(memory), \(buildMode) build" }

    var markdown: String {
        """
        - date: \(date)
        - machine: \(cores) cores (nproc), \(cpuModel), \(memory) RAM, Linux \(kernel)
        - built with: \(swiftVersion), \(buildMode) mode
        - load average (1, 5, 15 min) at the start: \(loadAverage); at the end: \(Self.currentLoadAverage()) \
        (the machine is shared: other work running at the same time takes CPU from both server and clients)
        """
    }

    static func currentLoadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: ", ")
    }

    /// The compiler this binary was built with, as far as the conditional-compilation checks can tell.
    private static func swiftCompilerVersion() -> String {
        #if compiler(>=6.4)
        return "Swift ≥ 6.4"
        #elseif compiler(>=6.3)
        return "Swift 6.3"
        #elseif compiler(>=6.2)
        return "Swift 6.2"
        #else
        return "Swift < 6.2"
        #endif
    }
}
