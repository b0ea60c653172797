// STUN (RFC 8489) as the media port reads it: RFC 7983 demultiplexing, the message parser, attribute readers,
// FINGERPRINT and MESSAGE-INTEGRITY checks, trtc-server's ICE-lite responder and trtcd's controlling checker.
// Each input goes in once as received and once re-signed with the right credentials, so that the code behind the
// authentication checks is reached too. No input may trap; a parsed message encodes to one that parses the same.
@testable import TrtcTransport
import FuzzSupport

let server = ICECredentials(ufrag: "srvF", password: "serverpasswordfuzz0123456")!
let client = ICECredentials(ufrag: "cliF", password: "clientpasswordfuzz0123456")!
let source = TransportAddress(ip: [192, 0, 2, 7], port: 50_000)
let sourceV6 = TransportAddress(ip: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1], port: 3478)
let start = ContinuousClock.now

func exercise(_ datagram: UnsafeRawBufferPointer, responder: inout ICELiteResponder, checker: inout ICEControllingChecker) {
    _ = DatagramClass(datagram)
    _ = ICELiteResponder.localUfrag(ofBindingRequest: datagram)
    for address in [source, sourceV6] {
        if case .answer(let answer, _) = responder.receive(datagram, from: address, now: start) {
            let parsed = answer.withUnsafeBytes { STUNMessage(parsing: $0) }
            fuzzExpect(parsed?.xorMappedAddress == address, "the answer does not carry the request's source")
        }
    }
    _ = checker.receive(datagram, now: start + .seconds(1))
    guard let message = STUNMessage(parsing: datagram) else { return }
    _ = (message.username, message.priority, message.useCandidate, message.iceControlling, message.iceControlled,
         message.xorMappedAddress, message.errorCode)
    _ = message.hasValidFingerprint(in: datagram)
    _ = message.hasValidIntegrity(in: datagram, password: server.password)
    let encoded = message.encoded(integrityPassword: nil, fingerprint: false)
    let again = encoded.withUnsafeBytes { STUNMessage(parsing: $0) }
    fuzzExpect(again?.attributes == message.attributes && again?.transactionID == message.transactionID
               && again?.messageClass == message.messageClass && again?.method == message.method,
               "STUN message does not survive encoding")
}

fuzz { bytes in
    var responder = ICELiteResponder(local: server, remoteUfrag: client.ufrag)
    var checker = ICEControllingChecker(local: client, remote: server)
    exercise(bytes, responder: &responder, checker: &checker)
    guard let message = STUNMessage(parsing: bytes) else { return }
    for password in [server.password, client.password] {
        let signed = message.encoded(integrityPassword: password, fingerprint: true)
        signed.withUnsafeBytes { exercise($0, responder: &responder, checker: &checker) }
    }
}
