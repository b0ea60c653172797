/// trtcd, the bus or the server refused: printed as `trtcctl: <message>`, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
