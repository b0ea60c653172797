/// A test step that went wrong in a way `#expect` cannot say (no such message, wrong reply, nothing arrived).
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
