/// A benchmark step that could not be completed (server not starting, clients refused, deadline passed).
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
