import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import TrtcCore

/// The server API over one kept-alive HTTP/1.1 connection written directly with NIO, TC3-signed like
/// TrtcClient's ServerAPIClient. It shows the server's own latency: ServerAPIClient goes through URLSession,
/// which on Linux adds about a millisecond of its own before the request reaches the socket.
final class RawAPIConnection {
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let host: String
    private let secretId: String
    private let secretKey: String

    private init(outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>,
                 inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator,
                 host: String, secretId: String, secretKey: String) {
        self.outbound = outbound
        self.inbound = inbound
        self.host = host
        self.secretId = secretId
        self.secretKey = secretKey
    }

    /// Connects to `host:port` and runs `body` with the connection; it is closed afterwards.
    static func with<T>(host: String, port: Int, secretId: String, secretKey: String,
                        _ body: (RawAPIConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let connection = RawAPIConnection(
                outbound: outbound, inbound: inbound.makeAsyncIterator(), host: "\(host):\(port)",
                secretId: secretId, secretKey: secretKey)
            return try await body(connection)
        }
    }

    /// Signs and sends one action; returns the Tencent Cloud error code, or nil on success.
    func call(_ action: String, _ body: JSONValue) async throws -> String? {
        let payload = Array(JSONCoding.print(body).utf8)
        let time = Int(Date().timeIntervalSince1970)
        let contentType = "application/json; charset=utf-8"
        let authorization = TC3.authorization(
            secretId: secretId, secretKey: secretKey, service: "trtc", method: "POST", path: "/", query: "",
            headers: ["content-type": contentType, "host": host, "x-tc-action": action.lowercased()],
            payload: payload, timestamp: time)
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
        head.headers = [
            "Host": host, "Content-Type": contentType, "Content-Length": String(payload.count),
            "X-TC-Action": action, "X-TC-Version": "2019-07-22", "X-TC-Timestamp": String(time),
            "X-TC-Region": "ap-guangzhou", "Authorization": authorization,
        ]
        try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(ByteBuffer(bytes: payload))), .end(nil)])

        var answer = ByteBuffer()
        var status = HTTPResponseStatus.ok
        reading: while true {
            guard let part = try await inbound.next() else { throw BenchFailure("the server closed the API connection") }
            switch part {
            case .head(let responseHead): status = responseHead.status
            case .body(var chunk): answer.writeBuffer(&chunk)
            case .end: break reading
            }
        }
        guard status == .ok else { throw BenchFailure("server API answered HTTP \(status.code)") }
        guard case .object(let top) = try JSONCoding.parse(answer.readableBytesView, maxBytes: 1 << 20),
              case .object(let response)? = top["Response"] else {
            throw BenchFailure("the server API's answer is not a Tencent Cloud API response")
        }
        guard case .object(let error)? = response["Error"] else { return nil }
        if case .string(let code)? = error["Code"] { return code }
        return "(no code)"
    }
}
