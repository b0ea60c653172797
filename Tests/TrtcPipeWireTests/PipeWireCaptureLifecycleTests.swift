import Foundation
import Testing
import TrtcHarness
import TrtcHarnessTesting


@testable import TrtcPipeWire

/// Releasing devices on stop, and surviving devices that vanish mid-capture.
@Suite(.pipeWireTestEnvironment, .serialized)
struct PipeWireCaptureLifecycleTests {
    let environment = PipeWireTestEnvironment.current!

    /// A uniquely named client, so pw-dump can tell our objects apart.
    func makeLoop() throws -> (PipeWireLoop, String) {
        let name = "trtcd-test-\(UUID().uuidString.prefix(8))"
        return (try PipeWireLoop(name: name, remote: environment.socketPath), name)
    }

    /// Our client's nodes and the links that reach them, per pw-dump.
    func objects(ofClient applicationName: String) throws -> (clientExists: Bool, nodeIds: [Int], links: [(output: Int, input: Int)]) {
        let dump = try environment.dump()
        guard let client = dump.first(where: { $0.isClient && $0.properties["application.name"] == applicationName }) else {
            return (false, [], [])
        }
        let nodeIds = dump.filter { $0.isNode && $0.properties["client.id"] == String(client.id) }.map(\.id)
        let links = dump.compactMap(\.linkEnds).filter { nodeIds.contains($0.input) || nodeIds.contains($0.output) }
        return (true, nodeIds, links)
    }

    /// Consumers linked to a node (links whose output end is it).
    func consumerLinks(of nodeId: Int) throws -> Int {
        try environment.dump().compactMap(\.linkEnds).filter { $0.output == nodeId }.count
    }

    @Test func stopReleasesCameraAndMicrophone() async throws {
        let (loop, clientName) = try makeLoop()
        let cameraId = try #require(try environment.nodeId(named: PipeWireTestEnvironment.cameraName))
        let microphoneId = try #require(try environment.nodeId(named: PipeWireTestEnvironment.microphoneName))

        let video = try VideoCapture(loop: loop, options: VideoCaptureOptions(camera: PipeWireTestEnvironment.cameraName, width: 320, height: 240))
        let audio = try AudioCapture(loop: loop, options: AudioCaptureOptions(microphone: PipeWireTestEnvironment.microphoneName))
        // While capturing: two stream nodes of ours, linked from the camera and the microphone.
        let running = try objects(ofClient: clientName)
        #expect(running.clientExists)
        #expect(running.nodeIds.count == 2)
        #expect(running.links.contains { $0.output == cameraId })
        #expect(running.links.contains { $0.output == microphoneId })
        #expect(try consumerLinks(of: cameraId) == 1)

        video.stop()
        audio.stop()
        try loop.withLock { () throws(PipeWireError) in try loop.roundTripLocked() }

        let stopped = try objects(ofClient: clientName)
        #expect(stopped.clientExists)  // still connected, but owns nothing
        #expect(stopped.nodeIds.isEmpty)
        #expect(stopped.links.isEmpty)
        #expect(try consumerLinks(of: cameraId) == 0)
        #expect(try consumerLinks(of: microphoneId) == 0)
        #expect(video.stopReason == .requested)
        #expect(audio.stopReason == .requested)

        // The event streams end with the stop.
        let lastVideoEvent = await video.events.collect(timeout: .seconds(3)) { _ in false }.last
        guard case .stopped(.requested) = lastVideoEvent else {
            Issue.record("video events did not end with stopped(requested): \(String(describing: lastVideoEvent))")
            return
        }
        video.stop()  // idempotent
    }

    /// The reason `events` ended with, or nil if it did not end within `timeout`.
    static func stopReason<Event: Sendable>(
        of events: AsyncStream<Event>, timeout: Duration, reason: @escaping @Sendable (Event) -> CaptureStopReason?
    ) async -> CaptureStopReason? {
        await withTaskGroup(of: CaptureStopReason?.self) { group in
            group.addTask {
                for await event in events {
                    if let stop = reason(event) { return stop }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Makes a lingering node with pw-cli (as a device that can be unplugged) and returns its id.
    func createNode(factory: String, properties: String, name: String) throws -> Int {
        let result = try environment.run("pw-cli", ["create-node", factory, "{ \(properties) node.name=\(name) object.linger=true }"])
        try #require(result.status == 0, "pw-cli create-node failed: \(result.stderr)")
        return try #require(try environment.nodeId(named: name))
    }

    func destroyNode(_ id: Int) throws {
        let result = try environment.run("pw-cli", ["destroy", String(id)])
        try #require(result.status == 0, "pw-cli destroy failed: \(result.stderr)")
    }

    @Test func unpluggedCameraStopsCaptureWithoutCrashing() async throws {
        let (loop, clientName) = try makeLoop()
        let name = "trtc-test-unplug-camera"
        let nodeId = try createNode(factory: "spa-node-factory", properties: "factory.name=videotestsrc media.class=Video/Source", name: name)
        let capture = try VideoCapture(loop: loop, options: VideoCaptureOptions(camera: name, width: 320, height: 240))
        #expect(capture.device.id == UInt32(nodeId))
        // Linked to that camera (target.object), not to the default one.
        #expect(try objects(ofClient: clientName).links.map(\.output) == [nodeId])

        try destroyNode(nodeId)
        let reason = await Self.stopReason(of: capture.events, timeout: .seconds(3)) { event in
            if case .stopped(let reason) = event { return reason }
            return nil
        }
        #expect(reason == .deviceRemoved(name))
        #expect(capture.stopReason == .deviceRemoved(name))
        capture.stop()  // harmless after the device went away

        // The connection is still usable.
        #expect(try !loop.devices().devices.contains { $0.name == name })
    }

    @Test func unpluggedMicrophoneStopsCaptureWithoutCrashing() async throws {
        let (loop, clientName) = try makeLoop()
        let name = "trtc-test-unplug-microphone"
        let nodeId = try createNode(factory: "adapter", properties: "factory.name=audiotestsrc media.class=Audio/Source", name: name)
        let capture = try AudioCapture(loop: loop, options: AudioCaptureOptions(microphone: name))
        let links = try objects(ofClient: clientName).links
        #expect(!links.isEmpty && links.allSatisfy { $0.output == nodeId }, "links \(links) nodeId \(nodeId)")

        try destroyNode(nodeId)
        let reason = await Self.stopReason(of: capture.events, timeout: .seconds(3)) { event in
            if case .stopped(let reason) = event { return reason }
            return nil
        }
        #expect(reason == .deviceRemoved(name))
        try loop.withLock { () throws(PipeWireError) in try loop.roundTripLocked() }
        #expect(try objects(ofClient: clientName).nodeIds.isEmpty)
    }
}
