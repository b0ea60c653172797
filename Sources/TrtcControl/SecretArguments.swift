import ArgumentParser
import Foundation
import Synchronization

/// Secrets (the app's secret key, the API SecretKey, a UserSig) come from a flag, a file or the environment. A flag
/// puts the secret in the process list, readable by every local user (`ps`, /proc/PID/cmdline), so trtcctl warns
/// when one is used; a file (`--…-file FILE`, one line, a trailing newline ignored) or the variable is the way.
enum SecretArguments {
    /// The secret given as `flag` or in the file named by `file`, at most one of the two; else the variable's value.
    static func value(_ flag: String?, flagName: String, file: String?, fileFlagName: String, variable: String) throws -> String? {
        if let explicit = try explicit(flag, flagName: flagName, file: file, fileFlagName: fileFlagName) { return explicit }
        return EnvironmentDefaults.value(nil, or: variable)
    }

    /// The secret given as `flag` or in the file named by `file` (not both), without looking at the environment.
    static func explicit(_ flag: String?, flagName: String, file: String?, fileFlagName: String) throws -> String? {
        switch (flag, file) {
        case (nil, nil): return nil
        case (let value?, nil): return value
        case (nil, let path?): return try read(path, fileFlagName: fileFlagName)
        case (_?, _?): throw ValidationError("give either \(flagName) or \(fileFlagName), not both")
        }
    }

    /// The file's content without trailing line breaks; an unreadable or empty file is a usage error.
    static func read(_ path: String, fileFlagName: String) throws -> String {
        // A secret is short: at most 64 KiB are read (a FIFO or /dev/null works too).
        guard let handle = FileHandle(forReadingAtPath: path),
              let data = try? handle.read(upToCount: 64 * 1024) ?? Data(),
              let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("\(fileFlagName): cannot read \(path)")
        }
        try? handle.close()
        var value = Substring(text)
        while let last = value.last, last == "\n" || last == "\r" { value = value.dropLast() }
        guard !value.isEmpty else { throw ValidationError("\(fileFlagName): \(path) is empty") }
        return String(value)
    }

    /// Flags already warned about: the options are read in validate() and again in run().
    private static let warned = Mutex<Set<String>>([])

    /// Warns on stderr, once per flag, for each secret given on the command line (flag → how to give it instead).
    static func warnAboutCommandLine(_ given: [(flag: String, instead: String)]) {
        for (flag, instead) in given where warned.withLock({ $0.insert(flag).inserted }) {
            StandardStreams.writeError(
                "trtcctl: warning: \(flag) puts a secret on the command line, where every local user can read it (ps); "
                    + "use \(instead) instead\n")
        }
    }
}
