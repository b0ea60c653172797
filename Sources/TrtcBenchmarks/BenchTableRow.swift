/// One row of a benchmark's results table: what was measured, the result, the target and whether it was met
/// (nil when the row has no target).
struct BenchTableRow: Sendable {
    var measure: String
    var result: String
    var target: String
    var met: Bool?
}

extension [BenchTableRow] {
    /// No row missed its target.
    var allTargetsMet: Bool { allSatisfy { $0.met != false } }

    var markdownTable: String {
        var lines = ["| measure | result | target |", "|---|---|---|"]
        for row in self {
            let verdict = switch row.met {
            case true?: " ✓"
            case false?: " ✗"
            case nil: ""
            }
            lines.append("| \(row.measure) | \(row.result) | \(row.target)\(verdict) |")
        }
        return lines.joined(separator: "\n")
    }
}
