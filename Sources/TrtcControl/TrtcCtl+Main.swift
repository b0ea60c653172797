import ArgumentParser
import Foundation
import Logging

extension TrtcCtl {
    /// Exit status for a usage error (SPEC §4), instead of ArgumentParser's 64.
    public static let usageExitStatus: Int32 = 2
    /// Exit status when trtcd, the bus or the server refused.
    public static let failureExitStatus: Int32 = 1

    /// Parses `arguments` (without the program name), runs the command and returns the exit status.
    /// Help goes to stdout (status 0), usage errors to stderr (status 2), refusals to stderr (status 1).
    public static func main(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let missing as MissingSubcommand {
            StandardStreams.writeError("trtcctl: \(missing.message)\n\n" + helpMessage(for: missing.command))
            return usageExitStatus
        } catch let failure as CommandFailure {
            StandardStreams.writeError("trtcctl: \(failure.message)\n")
            return failureExitStatus
        } catch {
            let code = exitCode(for: error)
            let text = fullMessage(for: error)
            if code == .success {
                StandardStreams.writeOutput(text.isEmpty ? "" : text + "\n")
                return 0
            }
            if !text.isEmpty { StandardStreams.writeError(text + "\n") }
            return code == .validationFailure ? usageExitStatus : code.rawValue
        }
    }

    /// Log output of the libraries goes to stderr, warnings and worse only: stdout is for results.
    public static func bootstrapLogging() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
    }
}
