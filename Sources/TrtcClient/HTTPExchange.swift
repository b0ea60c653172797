import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import TrtcSignalingClient

/// One HTTP/1.1 request and its answer on a fresh connection, over TLS for `https://` (verified with `ServerTrust`,
/// host name or IP address included). The server API and the test harness's /metrics and /healthz need no more;
/// on NIO rather than URLSession because FoundationNetworking on Linux offers no way to name a CA file for one
/// client (docs/architecture.md, "Server API client").
package enum HTTPExchange {
    package struct Response: Sendable {
        package let status: Int
        package let body: [UInt8]
    }

    package struct Failure: Error, CustomStringConvertible, Sendable {
        package let description: String
    }

    /// Whole exchanges that take longer are abandoned.
    static let deadline = TimeAmount.seconds(30)
    static let maxBodyBytes = 1 << 20

    /// A refused certificate throws the reason (wrong host, expired, untrusted), as for signaling.
    package static func perform(
        _ method: HTTPMethod, _ url: ServerURL, headers: [(String, String)] = [], body: [UInt8] = [],
        trust: ServerTrust = .systemTrust, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Response {
        do {
            return try await exchange(method, url, headers: headers, body: body, trust: trust, eventLoopGroup: eventLoopGroup)
        } catch {
            throw await TLSFailure.explain(error, url: url, tls: trust, eventLoopGroup: eventLoopGroup) ?? error
        }
    }

    private static func exchange(
        _ method: HTTPMethod, _ url: ServerURL, headers: [(String, String)], body: [UInt8], trust: ServerTrust,
        eventLoopGroup: any EventLoopGroup
    ) async throws -> Response {
        let tls = url.secure ? try trust.context() : nil
        let channel = try await ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(.seconds(10))
            .connect(host: url.host, port: url.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: url.tlsServerName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    channel.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var fields = HTTPHeaders([("Host", url.authority), ("Connection", "close")])
            fields.add(contentsOf: headers)
            if method == .POST || !body.isEmpty { fields.replaceOrAdd(name: "Content-Length", value: String(body.count)) }
            try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: url.path, headers: fields)))
            if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
            var status: Int?
            var received: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let head):
                    status = Int(head.status.code)
                case .body(let buffer):
                    guard received.count + buffer.readableBytes <= maxBodyBytes else {
                        throw Failure(description: "the answer is larger than \(maxBodyBytes) bytes")
                    }
                    received += buffer.readableBytesView
                case .end:
                    guard let status else { break }
                    return Response(status: status, body: received)
                }
            }
            throw Failure(description: "the server closed the connection before answering")
        }
    }
}
