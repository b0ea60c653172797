import Dispatch
import Foundation
import Logging
import Synchronization
import TrtcCore
import TrtcDBus
import TrtcDBusContract
import TrtcPipeWire
import TrtcRTP
import TrtcTransport

/// trtcd's local media engine: camera and microphone capture (PipeWire), their publishers (encoders) and
/// the UDP transport of the current media grant.
///
/// Ownership:
/// - `deviceQueue` (serial) owns the `PipeWireLoop` and the capture objects: opening (which waits up to 3 s for
///   media), closing and replacing happen there, one at a time, off Swift's cooperative threads.
/// - PipeWire's loop thread converts frames and yields them into each capture's bounded `AsyncStream`
///   (newest 2 kept); a pump task per capture hands them to the publisher without blocking.
/// - Each publisher's serial queue owns its encoder; `MediaTransport` owns the socket.
/// - `link` (mutex) holds what the room controller decided: the transport and which kinds may be sent.
/// The room controller (an actor) calls in; device losses come back through `events`.
final class LocalMedia: @unchecked Sendable {
    struct Link: Sendable {
        var transport: MediaTransport?
        var sendVideo = false
        var sendAudio = false
    }

    private struct Capture<Device, Publisher>: @unchecked Sendable {
        let device: Device
        let publisher: Publisher
        let pump: Task<Void, Never>
    }

    let events: AsyncStream<LocalMediaEvent>
    private let eventSink: AsyncStream<LocalMediaEvent>.Continuation
    private let logger: Logger
    private let pipeWireRemote: String?
    private let deviceQueue = DispatchQueue(label: "trtcd.devices")
    private let link = Mutex(Link())
    private let open = Mutex((video: false, audio: false))
    // Owned by `deviceQueue`.
    private var loop: PipeWireLoop?
    private var video: Capture<VideoCapture, VideoPublisher>?
    private var audio: Capture<AudioCapture, AudioPublisher>?
    /// Remote users' video shown in PipeWire nodes and audio played to the default sink: opened and closed on
    /// `deviceQueue`, looked up by SSRC on the transport's receive thread.
    private let remote = Mutex(RemoteMediaRouting())
    // Publishers are read by the transport's handlers and by `apply`; guarded.
    private let publishers = Mutex<(video: VideoPublisher?, audio: AudioPublisher?)>((nil, nil))

    init(logger: Logger, pipeWireRemote: String? = nil) {
        self.logger = logger
        self.pipeWireRemote = pipeWireRemote
        (events, eventSink) = AsyncStream.makeStream(of: LocalMediaEvent.self)
    }

    /// Camera capture is open (StartLocalVideo succeeded, nothing closed it since). Muting does not change it.
    var isVideoOpen: Bool { open.withLock { $0.video } }
    /// Microphone capture is open.
    var isAudioOpen: Bool { open.withLock { $0.audio } }

    var videoStatistics: PublisherStatistics? { publishers.withLock { $0.video?.statistics } }
    var audioStatistics: PublisherStatistics? { publishers.withLock { $0.audio?.statistics } }

    // MARK: statistics

    /// The counters `Statistics` is computed from, copied out of their owners (each under its own lock, one at a
    /// time; nothing waits). `remoteAudioSsrcs` come from the room machine, which alone keeps them.
    func statisticsCounters(time: Duration, processCPU: Duration, systemCPU: SystemCPUTimes?, onlineCores: Int,
                            remoteAudioSsrcs: [String: UInt32]) -> MediaCounters {
        let current = link.withLock { $0 }
        let (videoPublisher, audioPublisher) = publishers.withLock { ($0.video, $0.audio) }
        let (receivers, videoSsrcs, audioReceivers) = remote.withLock { routing in
            (routing.videoReceivers.filter { $0.key.streamType == "main" }, routing.videoSsrcs, routing.audioReceivers)
        }
        var counters = MediaCounters(time: time, processCPU: processCPU, systemCPU: systemCPU, onlineCores: onlineCores)
        if let transport = current.transport {
            counters.transport = MediaCounters.Transport(
                generation: ObjectIdentifier(transport), bound: transport.isBound, roundTrip: transport.roundTrip,
                bytesSent: transport.bytesSent.load(ordering: .relaxed), bytesReceived: transport.bytesReceived.load(ordering: .relaxed),
                sendEstimate: transport.sendEstimate.load(ordering: .relaxed), receiverLimitKbps: transport.receiverLimitKbps(),
                reception: transport.reception)
        }
        counters.video = videoPublisher?.statistics
        counters.audio = audioPublisher?.statistics
        counters.videoTargetKbps = videoPublisher?.currentTargetKbps ?? 0
        counters.sendingVideo = current.sendVideo && videoPublisher != nil
        counters.sendingAudio = current.sendAudio && audioPublisher != nil
        for (key, receiver) in receivers { counters.remoteVideo[key.userId] = receiver.statistics }
        for (userId, receiver) in audioReceivers { counters.remoteAudio[userId] = receiver.statistics }
        counters.remoteVideoSsrcs = videoSsrcs
        counters.remoteAudioSsrcs = remoteAudioSsrcs
        return counters
    }

    /// The loss receivers reported, both hops: Opus protects against it with in-band FEC (`OpusLossPolicy`; the server
    /// does not repair audio).
    func setAudioExpectedLoss(percent: Int) {
        publishers.withLock { $0.audio }?.setExpectedLoss(percent: percent)
    }

    /// The loss of our first hop, as the server reports it: video leaves room for its repairs
    /// (`SendBitrateAllocation.repairShare`).
    func setVideoUplinkLoss(percent: Int) {
        publishers.withLock { $0.video }?.setUplinkLoss(percent: percent)
    }

    // MARK: devices

    /// Opens the camera (replacing an open one). Throws DeviceUnavailable (-1301) or InvalidArgument.
    func startVideo(_ options: LocalVideoOptions) async throws(DBusError) {
        let result: Result<Void, DBusError> = await onDeviceQueue { [self] in
            closeVideoLocked()
            let capture: VideoCapture
            do {
                capture = try VideoCapture(loop: try pipeWire(), options: VideoCaptureOptions(
                    camera: options.camera, width: options.width, height: options.height, fps: options.fps))
            } catch {
                return .failure(Self.deviceError(error, video: true))
            }
            let publisher = VideoPublisher(options: options, logger: logger)
            let pump = Task.detached { [eventSink] in
                for await event in capture.events {
                    switch event {
                    case .frame(let frame): publisher.submit(frame)
                    case .stopped(let reason):
                        if reason != .requested { eventSink.yield(.videoLost(reason)) }
                    }
                }
            }
            video = Capture(device: capture, publisher: publisher, pump: pump)
            publishers.withLock { $0.video = publisher }
            open.withLock { $0.video = true }
            apply(link.withLock { $0 })
            logger.info("camera open", metadata: ["camera": "\(capture.device.name)", "format": "\(capture.format.map { "\($0)" } ?? "?")",
                                                  "bitrateKbps": "\(options.bitrateKbps)"])
            return .success(())
        }
        try result.get()
    }

    /// Opens the microphone (replacing an open one). Throws DeviceUnavailable (-1302) or InvalidArgument.
    func startAudio(_ options: LocalAudioOptions) async throws(DBusError) {
        let result: Result<Void, DBusError> = await onDeviceQueue { [self] in
            closeAudioLocked()
            let capture: AudioCapture
            do {
                capture = try AudioCapture(loop: try pipeWire(), options: AudioCaptureOptions(microphone: options.microphone))
            } catch {
                return .failure(Self.deviceError(error, video: false))
            }
            let publisher = AudioPublisher(options: options, logger: logger)
            let pump = Task.detached { [eventSink] in
                for await event in capture.events {
                    switch event {
                    case .frame(let frame): publisher.submit(frame)
                    case .stopped(let reason):
                        if reason != .requested { eventSink.yield(.audioLost(reason)) }
                    }
                }
            }
            audio = Capture(device: capture, publisher: publisher, pump: pump)
            publishers.withLock { $0.audio = publisher }
            open.withLock { $0.audio = true }
            apply(link.withLock { $0 })
            logger.info("microphone open", metadata: ["microphone": "\(capture.device.name)", "bitrateKbps": "\(options.bitrateKbps)"])
            return .success(())
        }
        try result.get()
    }

    /// Closes the camera's stream (the camera is released in PipeWire when this returns).
    func stopVideo() async {
        await onDeviceQueue { [self] in
            closeVideoLocked()
            settlePipeWire()
        }
    }

    func stopAudio() async {
        await onDeviceQueue { [self] in
            closeAudioLocked()
            settlePipeWire()
        }
    }

    // MARK: remote video

    /// Shows a remote video stream in its node (created on first use) and returns the node's id.
    func startRemoteVideo(_ key: RemoteVideoKey) async throws(DBusError) -> UInt32 {
        let result: Result<UInt32, DBusError> = await onDeviceQueue { [self] in
            if let existing = remote.withLock({ $0.videoReceivers[key] }) {
                if let id = existing.nodeId { return .success(id) }
                // Its node is gone (PipeWire restarted): replace it.
                remote.withLock { $0.removeVideoReceiver(for: key) }
                existing.stop()
            }
            let userId = key.userId
            do {
                let receiver = RemoteVideoReceiver(
                    userId: userId, nodeName: key.nodeName, receivesStream: key.streamType == "main", loop: try pipeWire(),
                    requestKeyframe: { [weak self] in self?.sendPictureLossIndication(forUser: userId) },
                    requestRetransmission: { [weak self] numbers in self?.sendNACK(forUser: userId, numbers) },
                    roundTrip: { [weak self] in self?.link.withLock { $0.transport }?.roundTrip }, logger: logger)
                remote.withLock { $0.setVideoReceiver(receiver, for: key) }
                do {
                    return .success(try receiver.open())
                } catch {
                    remote.withLock { $0.removeVideoReceiver(for: key) }
                    receiver.stop()
                    throw error
                }
            } catch {
                return .failure(TrtcdError.deviceUnavailable(video: true, "remote video \(key): \(error)"))
            }
        }
        return try result.get()
    }

    /// Removes a remote video node, if there is one; returns once it is gone from PipeWire's registry.
    func stopRemoteVideo(_ key: RemoteVideoKey) async {
        await onDeviceQueue { [self] in closeRemoteVideosOnDeviceQueue { $0 == key } }
    }

    /// Removes every node of `userId` without waiting (the user left; nobody waits for it).
    func stopRemoteVideoSoon(userId: String) {
        deviceQueue.async { [self] in closeRemoteVideosOnDeviceQueue { $0.userId == userId } }
    }

    private func closeRemoteVideosOnDeviceQueue(where matches: (RemoteVideoKey) -> Bool) {
        let receivers = remote.withLock { routing in
            let keys = routing.videoReceivers.keys.filter(matches)
            return keys.compactMap { routing.removeVideoReceiver(for: $0) }
        }
        guard !receivers.isEmpty else { return }
        for receiver in receivers { receiver.stop() }
        settlePipeWire()
    }

    /// The SSRC `userId` sends video with now (nil: not publishing, or gone).
    func setRemoteVideoSsrc(userId: String, ssrc: UInt32?) {
        let restarted = remote.withLock { routing -> RemoteVideoReceiver? in
            let previous = routing.setVideoSsrc(ssrc, for: userId)
            return previous != nil && ssrc != nil && previous != ssrc ? routing.videoReceivers[.main(userId)] : nil
        }
        restarted?.streamRestarted()
    }

    // MARK: remote audio

    /// Plays `userId`'s audio stream `ssrc` to the default sink, or stops playing it (nil: not publishing, muted,
    /// gone). Opening and closing happen on `deviceQueue`; packets before the stream is open are not played.
    func setRemoteAudio(userId: String, ssrc: UInt32?) {
        deviceQueue.async { [self] in
            let current = remote.withLock { $0.audioReceivers[userId] }
            guard current?.ssrc != ssrc else { return }
            if let current {
                remote.withLock { $0.removeAudioReceiver(for: userId) }
                current.stop()
            }
            guard let ssrc else { return }
            guard !remote.withLock({ $0.isAudioFull }) else {
                logger.warning("remote audio not played: \(RemoteMediaRouting.maximumAudioReceivers) remote users are playing already",
                               metadata: ["user": "\(userId)"])
                return
            }
            do {
                let playback = try AudioPlayback(
                    loop: try pipeWire(), nodeName: "trtcd.remote.\(userId).audio", description: "\(userId) (trtcd remote audio)")
                let receiver = RemoteAudioReceiver(userId: userId, ssrc: ssrc, playback: playback, logger: logger)
                remote.withLock { $0.setAudioReceiver(receiver, for: userId) }
                logger.info("remote audio playing", metadata: ["user": "\(userId)", "node": "\(playback.nodeId ?? 0)"])
            } catch {
                logger.error("cannot play remote audio", metadata: ["user": "\(userId)", "error": "\(error)"])
            }
        }
    }

    /// Removes every remote video node and audio stream (leaving the room); returns once they are gone.
    func closeRemoteMedia() async {
        await onDeviceQueue { [self] in closeRemoteMediaOnDeviceQueue() }
    }

    private func closeRemoteMediaOnDeviceQueue() {
        let (videos, audios) = remote.withLock { routing in
            defer { routing = RemoteMediaRouting() }
            return (Array(routing.videoReceivers.values), Array(routing.audioReceivers.values))
        }
        for receiver in videos { receiver.stop() }
        for receiver in audios { receiver.stop() }
        if !videos.isEmpty || !audios.isEmpty { settlePipeWire() }
    }

    private func sendNACK(forUser userId: String, _ numbers: [UInt16]) {
        sendVideoFeedback(forUser: userId) { RTCPGenericNACK(senderSSRC: $0, mediaSSRC: $1, sequenceNumbers: numbers).serialized() }
    }

    private func sendPictureLossIndication(forUser userId: String) {
        sendVideoFeedback(forUser: userId) { RTCPPictureLossIndication(senderSSRC: $0, mediaSSRC: $1).serialized() }
    }

    /// RTCP feedback about `userId`'s video: from our video SSRC (the server wants one of ours), about theirs.
    private func sendVideoFeedback(forUser userId: String, _ packet: (_ sender: UInt32, _ media: UInt32) -> [UInt8]) {
        guard let mediaSSRC = remote.withLock({ $0.videoSsrcs[userId] }), let transport = link.withLock({ $0.transport }) else { return }
        transport.send(packet(transport.grant.videoSsrc, mediaSSRC))
    }

    /// Stops publishing, closes every capture stream and remote node, and returns once PipeWire has processed that
    /// (camera and microphone released). Waits without blocking a thread: the work runs on `deviceQueue`, after
    /// any open in progress.
    func releaseAll() async {
        await detach()
        await onDeviceQueue { [self] in
            let hadAny = video != nil || audio != nil
            closeVideoLocked()
            closeAudioLocked()
            if hadAny { settlePipeWire() }
            closeRemoteMediaOnDeviceQueue()
        }
    }

    // MARK: publishing

    /// Uses `grant` from now on (a new entry or a re-entry after reconnecting); closes the previous transport.
    func attach(grant: MediaGrant, local: ICECredentials, certificate: DTLSCertificate, signalingHost: String?)
        async throws(TrtcError) {
        let transport = try MediaTransport(
            grant: grant, local: local, certificate: certificate, signalingHost: signalingHost,
            handlers: .init(
                // The link is live once the handshake is done: start with a key frame.
                connected: { [weak self] in self?.requestVideoKeyframe() },
                keyframeRequested: { [weak self] in self?.requestVideoKeyframe() },
                retransmissionRequested: { [weak self] numbers in self?.publishers.withLock { $0.video }?.retransmit(numbers) },
                rtpReceived: { [weak self] packet in
                    guard let self else { return }
                    let (video, audio) = remote.withLock { ($0.videoReceiver(for: packet.ssrc), $0.audioReceiver(for: packet.ssrc)) }
                    video?.receive(packet)
                    audio?.receive(packet)
                }),
            logger: logger)
        let previous = link.withLock { link in
            defer { link.transport = transport; link.sendVideo = false; link.sendAudio = false }
            return link.transport
        }
        apply(link.withLock { $0 })
        if let previous { await retire(previous) }
        logger.debug("media transport open", metadata: ["server": "\(transport.destination)"])
    }

    /// Stops sending and closes the transport (leaving, connection lost).
    func detach() async {
        let previous = link.withLock { link in
            defer { link = Link() }
            return link.transport
        }
        apply(Link())
        if let previous { await retire(previous) }
    }

    /// Which kinds the server has acknowledged and are not muted.
    /// A kind switched off has sent its last packet when this returns (the server may stop accepting it next).
    func setSending(video: Bool, audio: Bool) async {
        let (previous, current) = link.withLock { link in
            let previous = link
            link.sendVideo = video
            link.sendAudio = audio
            return (previous, link)
        }
        apply(current)
        let (videoPublisher, audioPublisher) = publishers.withLock { ($0.video, $0.audio) }
        if previous.sendVideo && !video {
            await videoPublisher?.drained()
            // After the last frame was handed over: nothing of ours is sent once the server is told we stopped.
            current.transport?.discardPacedVideo()
        }
        if previous.sendAudio && !audio { await audioPublisher?.drained() }
    }

    /// Ends `events` (daemon shutdown).
    func finishEvents() {
        eventSink.finish()
    }

    // MARK: internals

    private func requestVideoKeyframe() {
        publishers.withLock { $0.video }?.requestKeyframe()
    }

    private func apply(_ link: Link) {
        let (videoPublisher, audioPublisher) = publishers.withLock { ($0.video, $0.audio) }
        videoPublisher?.setTarget(PublishTarget(transport: link.transport, ssrc: link.transport?.grant.videoSsrc ?? 0, enabled: link.sendVideo))
        audioPublisher?.setTarget(PublishTarget(transport: link.transport, ssrc: link.transport?.grant.audioSsrc ?? 0, enabled: link.sendAudio))
    }

    /// Lets in-flight frames finish (they hold the transport) before closing its socket. Closing joins the
    /// transport's receive thread, so it runs on a dispatch queue, not on the caller's (cooperative) thread.
    private func retire(_ transport: MediaTransport) async {
        let (videoPublisher, audioPublisher) = publishers.withLock { ($0.video, $0.audio) }
        await videoPublisher?.drained()
        await audioPublisher?.drained()
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                transport.close()
                continuation.resume()
            }
        }
    }

    private func closeVideoLocked() {
        guard let current = video else { return }
        video = nil
        publishers.withLock { $0.video = nil }
        open.withLock { $0.video = false }
        current.device.stop()
        current.pump.cancel()
        current.publisher.setTarget(PublishTarget())
        current.publisher.drain()
        logger.info("camera closed", metadata: ["stats": "\(current.publisher.statistics.summary)", "capture": "\(current.device.statistics)"])
    }

    private func closeAudioLocked() {
        guard let current = audio else { return }
        audio = nil
        publishers.withLock { $0.audio = nil }
        open.withLock { $0.audio = false }
        current.device.stop()
        current.pump.cancel()
        current.publisher.setTarget(PublishTarget())
        current.publisher.drain()
        logger.info("microphone closed", metadata: ["stats": "\(current.publisher.statistics.summary)"])
    }

    /// The loop, (re)connected if it is missing or its connection died.
    private func pipeWire() throws(PipeWireError) -> PipeWireLoop {
        if let loop, loop.connectionError == nil { return loop }
        loop = nil
        let fresh = try PipeWireLoop(name: "trtcd", remote: pipeWireRemote)
        loop = fresh
        return fresh
    }

    /// A round trip to the PipeWire daemon: the protocol is ordered, so when the registry listing returns,
    /// the daemon has destroyed the streams (and their links) we closed before it.
    private func settlePipeWire() {
        guard let loop, loop.connectionError == nil else { return }
        _ = try? loop.devices(timeout: .seconds(5))
    }

    private func onDeviceQueue<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            deviceQueue.async { continuation.resume(returning: body()) }
        }
    }

    private static func deviceError(_ error: any Error, video: Bool) -> DBusError {
        switch error as? PipeWireError {
        case .invalidArgument(let detail)?: TrtcdError.invalidArgument(.enterRoomParamNull, detail)
        default: TrtcdError.deviceUnavailable(video: video, "\(error)")
        }
    }
}
