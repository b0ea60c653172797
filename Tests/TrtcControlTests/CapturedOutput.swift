import Foundation
import Synchronization

/// What a child process printed: complete stdout lines and all of stderr, filled from the pipes' handlers.
final class CapturedOutput: Sendable {
    private let state = Mutex<(lines: [String], partial: String, errorText: String)>(([], "", ""))

    var lines: [String] { state.withLock { $0.lines } }
    var errorText: String { state.withLock { $0.errorText } }

    func appendOutput(_ data: Data) {
        state.withLock { state in
            state.partial += String(decoding: data, as: UTF8.self)
            var parts = state.partial.components(separatedBy: "\n")
            state.partial = parts.removeLast()
            state.lines += parts
        }
    }

    func appendError(_ data: Data) {
        state.withLock { $0.errorText += String(decoding: data, as: UTF8.self) }
    }
}
