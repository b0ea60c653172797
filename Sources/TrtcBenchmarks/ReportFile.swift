import ArgumentParser
import Foundation

/// `--output FILE` of the benchmark commands: checked before measuring (minutes of work must not end in "cannot
/// write"), then created or replaced with the markdown report.
struct ReportFile {
    let path: String

    /// Fails unless FILE can be created or replaced: its directory exists and is writable, and it is not a directory.
    static func validate(_ path: String?) throws {
        guard let path else { return }
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--output \(path) is a directory")
        }
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw ValidationError("--output \(path): cannot write in \(directory)")
        }
    }

    /// Creates or replaces the file with `text`.
    static func write(_ text: String, to path: String?) throws {
        guard let path else { return }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
