// TC3-HMAC-SHA256 request checking as trtc-server's server API does it. Input: the Authorization header on the first
// line, then `name: value` header lines up to an empty line, then the body. The server's clock says 1700000000; the
// request's time is its X-TC-Timestamp header, read as ServerAPI reads it. Secret ids "AKIDfuzz" and "AKIDother"
// have keys.
import Foundation
import FuzzSupport
import TrtcCore

fuzz { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
    let authorization = lines.popFirst().map(String.init) ?? ""
    _ = try? TC3Authorization(parsing: authorization)
    var headers: [String: String] = [:]
    while let line = lines.popFirst(), !line.isEmpty {
        let colon = line.firstIndex(of: ":") ?? line.endIndex
        headers[String(line[..<colon]).lowercased()] = colon < line.endIndex ? String(line[line.index(after: colon)...]) : ""
    }
    let body = Array(lines.joined(separator: "\n").utf8)
    let now = 1_700_000_000
    let timestamp = headers["x-tc-timestamp"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
    _ = try? TC3.verify(
        authorization: authorization, method: "POST", path: "/", query: "", headers: headers, payload: body,
        timestamp: timestamp, now: now, service: "trtc",
        secretKey: { ["AKIDfuzz": "fuzz-secret", "AKIDother": ""][$0] })
}
