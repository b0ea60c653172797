/// Why the viewer's pictures froze, from trtcd's debug log: `RemoteVideoReceiver` writes one "remote video: freeze"
/// line per freeze, with the cause (`VideoFrameTiming.Cause`) and the temporal layer of the frame that ended it.
struct FreezeCauses: Sendable, Equatable {
    /// "cause layer" (e.g. "repair-2+-rounds TL0") → freezes.
    var counts: [String: Int] = [:]
    /// Each freeze's gap and how late its frame was handed out, for the summary.
    var lines: [String] = []

    /// The freeze lines of a piece of trtcd's log (what it wrote during the measured window).
    init(log: Substring) {
        for line in log.split(separator: "\n") where line.contains("remote video: freeze") {
            let cause = Self.value("cause", in: line) ?? "?"
            let layer = Self.value("layer", in: line).map { $0 == "key" ? "key" : "TL" + $0 } ?? "?"
            counts["\(cause) \(layer)", default: 0] += 1
            let fields = ["gapMs", "lateMs", "repairRounds", "completedAfterBaseMs", "delayMs", "mediaGapMs", "framesDropped"]
            lines.append("\(cause) \(layer): " + fields.map { "\($0)=\(Self.value($0, in: line) ?? "?")" }.joined(separator: " "))
        }
    }

    init() {}

    mutating func add(_ other: FreezeCauses) {
        counts.merge(other.counts, uniquingKeysWith: +)
        lines += other.lines
    }

    /// "repair-2+-rounds TL0 ×3, arrived-late TL1 ×1", most frequent first.
    var summary: String {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }
            .joined(separator: ", ")
    }

    /// The value of `key=value` in a swift-log line (metadata printed as space-separated `key=value`).
    static func value(_ key: String, in line: Substring) -> String? {
        guard let range = line.range(of: " \(key)=") ?? line.range(of: "\(key)=") else { return nil }
        let rest = line[range.upperBound...]
        return String(rest.prefix { $0 != " " && $0 != "]" })
    }
}
