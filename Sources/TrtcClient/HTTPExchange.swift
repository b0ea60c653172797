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
            var request: [HTTPClientRequestPart] = [.head(HTTPRequestHead(version: .http1_1, method: method, uri: url.path, headers: fields))]
            if !body.isEmpty { request.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            request.append(.end(nil))
            // One write, flushed once: with a part per write, a client held up between its last body bytes and the
            // (empty) end part found the connection closed by a server that had answered meanwhile, and threw
            // "I/O on closed channel" instead of the answer (docs/architecture.md, "Server API client").
            var unsent: (any Error)?
            do {
                try await outbound.write(contentsOf: request)
            } catch {
                // A server may answer before it has read the whole request (a body over its limit) and close: that
                // answer, if it came, is the outcome. A read error below is the better reason (a refused certificate).
                unsent = error
            }
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
            if let unsent {
                throw Failure(description: "the server closed the connection before the request was sent (\(unsent)), without answering")
            }
            throw Failure(description: "the server closed the connection before answering")
        }
    }
}
