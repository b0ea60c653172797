import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TrtcCore
import TrtcTransport

/// What a running trtc-server consists of; shared by the executable, the tests and the benchmark.
public struct TrtcServerParts: Sendable {
    public let configuration: ServerConfiguration
    public let metrics: ServerMetrics
    let registry: RoomRegistry
    let mediaEndpoint: MediaEndpoint

    /// The media socket's bound port, once bound.
    public var mediaPort: Int? { mediaEndpoint.port.map(Int.init) }
}

/// Builds the HTTP application (signaling WebSocket, server API, metrics, health) and the services around it.
/// Run the result with `ServiceGroup`: shutting it down gracefully tells every client first.
public func buildApplication(
    _ configuration: ServerConfiguration,
    logger: Logger,
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) throws -> (services: [any Service], parts: TrtcServerParts) {
    let metrics = ServerMetrics()
    let mediaEndpoint = MediaEndpoint(host: configuration.mediaHost)
    // The media socket's event loop owns every media connection; the registry queues membership changes onto it.
    let mediaRouter = MediaRouter(
        eventLoop: MultiThreadedEventLoopGroup.singleton.next(), certificate: try DTLSCertificate.generate(),
        memberLimits: configuration.memberMediaLimits, metrics: metrics.media, logger: logger)
    let cluster = try configuration.cluster.map { try ClusterNode(configuration: $0, logger: logger) }
    let registry = RoomRegistry(
        configuration: configuration, metrics: metrics, media: mediaRouter, mediaEndpoint: mediaEndpoint, logger: logger,
        cluster: cluster)
    let (boundPorts, boundPort) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    let media = MediaService(
        bindHost: configuration.mediaHost, bindPort: configuration.mediaPort, endpoint: mediaEndpoint, router: mediaRouter,
        metrics: metrics.media,
        recorder: configuration.recordDirectory.map { MediaRecorder(directory: $0, metrics: metrics.media, logger: logger) },
        mirror: configuration.mirror, logger: logger)
    let parts = TrtcServerParts(configuration: configuration, metrics: metrics, registry: registry, mediaEndpoint: mediaEndpoint)
    let signaling = SignalingMessageHandler(
        configuration: configuration, registry: registry, metrics: metrics, sessionIds: SessionIdGenerator(), logger: logger)
    let api = ServerAPI(
        configuration: configuration, registry: registry, metrics: metrics, logger: logger,
        requestGuard: APIRequestGuard(requestsPerSecond: configuration.apiRequestsPerSecond, window: configuration.apiTimestampTolerance))

    let limiter = ConnectionLimiter(maxConnections: configuration.maxConnections, maxPerPeer: configuration.maxConnectionsPerIP)

    let router = Router(context: ServerRequestContext.self)
    router.post("/") { request, context -> Response in
        await handleAPI(request, context: context, api: api, maxBytes: configuration.maxAPIBodyBytes)
    }
    // Operators' endpoints: on this host (a local Prometheus, a health check, a reverse proxy that decides), unless
    // --public-metrics; other peers get 404 as for any unknown path (security L1). Their answers are exempt from the
    // amplification guard: operators are trusted, as are the peers they open them to.
    let publicMetrics = configuration.publicMetrics
    let operatorsOnly: @Sendable (ServerRequestContext) async -> Bool = { context in
        guard publicMetrics || context.peerIsLoopback else { return false }
        await context.liftAmplificationGuard()
        return true
    }
    router.get("/healthz") { _, context -> Response in
        guard await operatorsOnly(context) else { return Response(status: .notFound) }
        let stats = registry.stats
        var fields: [String: JSONValue] = [
            "status": .string("ok"), "rooms": .integer(Int64(stats.rooms)), "users": .integer(Int64(stats.users)),
            "connections": .integer(Int64(stats.connections)),
        ]
        if let warning = configuration.plaintextWarning { fields["warning"] = .string(warning) }
        if let cluster = registry.cluster { fields["cluster"] = cluster.health }
        let body = JSONCoding.print(.object(fields))
        return jsonResponse(body)
    }
    router.get("/metrics") { _, context -> Response in
        guard await operatorsOnly(context) else { return Response(status: .notFound) }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: metrics.registry.emitToString())))
    }

    // Draining (docs/cluster.md), as SIGUSR1 does: peers on this host only, even with --public-metrics (it changes
    // the node's state); a request with an Origin header came from a browser page and is refused, so that a web
    // page open on this host cannot drain its node (a cross-origin POST without a body needs no preflight).
    for (path, draining) in [("/admin/drain", true), ("/admin/undrain", false)] {
        router.post(RouterPath(path)) { request, context -> Response in
            guard context.peerIsLoopback else { return Response(status: .notFound) }
            // This host's operator, trusted as for /healthz: the answer may exceed the request (amplification guard).
            await context.liftAmplificationGuard()
            guard request.headers[.origin] == nil else { return Response(status: .forbidden) }
            guard let cluster = registry.cluster else {
                return jsonResponse(JSONCoding.print(.object(["error": .string("this node is not in cluster mode")])),
                                    status: .conflict)
            }
            cluster.setDraining(draining, by: "POST \(path)")
            return jsonResponse(JSONCoding.print(.object([
                "node": .string(cluster.nodeId), "state": .string(draining ? "draining" : "serving"),
            ])))
        }
    }

    // Browsers (docs/browsers.md): the JavaScript client and the demo page, embedded at build time. Public files, as
    // on any web server, so exempt from the amplification guard (docs/security.md says why).
    router.get("/sdk/trtc.js") { _, context -> Response in
        await context.liftAmplificationGuard()
        return webFile(WebFiles.sdk, contentType: "text/javascript; charset=utf-8")
    }
    router.get("/demo") { _, context -> Response in
        await context.liftAmplificationGuard()
        return webFile(WebFiles.demo, contentType: "text/html; charset=utf-8")
    }

    let app = Application(
        router: router,
        server: HTTPServerBuilder { responder in
            SignalingServerChannel(
                responder: responder, messages: signaling, mediaEndpoint: mediaEndpoint, limiter: limiter, tls: configuration.tls)
        },
        configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: "trtc-server"),
        onServerRunning: { channel in
            // Reported once both sockets are bound, so callers can print real ports (`--listen/--media HOST:0`).
            await mediaEndpoint.ready()
            // A media socket that could not be bound ends the server (exit 1 with the reason): no banner then.
            guard mediaEndpoint.port != nil else { return }
            let port = channel.localAddress?.port ?? configuration.listenPort
            boundPort.yield(port)
            await onServerRunning(port)
        },
        logger: logger)
    let sweepInterval = Duration.milliseconds(max(20, min(250, configuration.departureTimeoutMs / 10)))
    let roomService = RoomService(registry: registry, sweepInterval: sweepInterval, logger: logger)
    // ServiceGroup shuts down in reverse order: the room service tells the clients before the server stops (and,
    // in a cluster, before the lease is given up), and media flows until the end.
    guard let cluster, let clusterConfiguration = configuration.cluster else { return ([media, app, roomService], parts) }
    let scheme = configuration.tls == nil ? "ws" : "wss"
    let clusterService = ClusterService(
        node: cluster, registry: registry, metrics: metrics,
        signalURL: {
            for await port in boundPorts {
                return clusterConfiguration.signalURL ?? "\(scheme)://\(HostPort(host: configuration.listenHost, port: port))"
            }
            return nil
        },
        mediaAddress: {
            configuration.mediaAnnounce?.description
                ?? HostPort(host: mediaEndpoint.host, port: Int(mediaEndpoint.port ?? 0)).description
        },
        logger: logger)
    return ([media, app, clusterService, roomService], parts)
}

private func handleAPI(_ request: Request, context: ServerRequestContext, api: ServerAPI, maxBytes: Int) async -> Response {
    var headers: [String: String] = [:]
    for field in request.headers {
        let name = field.name.canonicalName
        headers[name] = headers[name].map { $0 + "," + field.value } ?? field.value
    }
    // HTTP/1 Host arrives as the authority; Tencent signs it as the host header.
    if let authority = request.head.authority { headers["host"] = authority }
    let body: [UInt8]
    do {
        body = Array(buffer: try await request.body.collect(upTo: maxBytes))
    } catch {
        return jsonResponse(await api.handleTooLarge(maxBytes: maxBytes))
    }
    let apiRequest = ServerAPI.Request(
        method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers, body: body)
    let answer = await api.handle(apiRequest)
    // Errors to unsigned requests stay within what the connection sent (or it is closed); Tencent's SDKs' requests
    // are larger than their error answers, so they still get them.
    if answer.isSigned { await context.liftAmplificationGuard() }
    return jsonResponse(answer.body)
}

private func jsonResponse(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: .init(byteBuffer: ByteBuffer(string: body)))
}

private func webFile(_ text: String, contentType: String) -> Response {
    Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache"],
             body: .init(byteBuffer: ByteBuffer(string: text)))
}
