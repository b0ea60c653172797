// Signaling messages as trtc-server (ClientMessage) and trtcd (ServerMessage) read them off the WebSocket: no input
// may trap, and a message that decodes encodes to text that decodes to the same message.
import FuzzSupport
import TrtcCore

fuzz { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    if let message = try? ClientMessage.decode(text: text) {
        let again = try? ClientMessage.decode(text: message.text)
        fuzzExpect(again == message, "ClientMessage does not survive encoding: \(message.text.prefix(200))")
    }
    if let message = try? ServerMessage.decode(text: text) {
        let again = try? ServerMessage.decode(text: message.text)
        fuzzExpect(again.map(withoutDropCount) == withoutDropCount(message),
                   "ServerMessage does not survive encoding: \(message.text.prefix(200))")
    }
}

/// `entered`'s count of members left out is what the reader saw, not part of the message.
func withoutDropCount(_ message: ServerMessage) -> ServerMessage {
    guard case .entered(var entered) = message else { return message }
    entered.droppedMembers = 0
    return .entered(entered)
}
