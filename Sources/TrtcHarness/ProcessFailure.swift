/// A child process that could not be started, exited too early, or did not do what was awaited in time.
public struct ProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
