import Testing
import TrtcHarness
import TrtcHarnessTesting


@testable import TrtcPipeWire

@Suite(.pipeWireTestEnvironment)
struct PipeWireDeviceListTests {
    let environment = PipeWireTestEnvironment.current!

    @Test func listsTestCameraMicrophoneAndSpeakerWithDefaults() throws {
        let loop = try PipeWireLoop(name: "trtcd-test-devices", remote: environment.socketPath)
        let list = try loop.devices()

        let camera = try #require(list.devices(of: .videoSource).first { $0.name == PipeWireTestEnvironment.cameraName })
        #expect(camera.description == "trtc test camera")
        let microphone = try #require(list.devices(of: .audioSource).first { $0.name == PipeWireTestEnvironment.microphoneName })
        #expect(list.devices(of: .audioSink).contains { $0.name == PipeWireTestEnvironment.speakerName })

        // WirePlumber's "default" metadata names them (the only devices of their class).
        #expect(list.defaultNames[.videoSource] == PipeWireTestEnvironment.cameraName)
        #expect(list.defaultNames[.audioSource] == PipeWireTestEnvironment.microphoneName)
        #expect(list.defaultNames[.audioSink] == PipeWireTestEnvironment.speakerName)
        #expect(list.defaultDevice(of: .videoSource) == camera)

        // Serial and name both select; the ids match what pw-dump reports.
        #expect(try list.resolve(String(camera.serial), of: .videoSource) == camera)
        #expect(try list.resolve(nil, of: .audioSource) == microphone)
        let dumpedCamera = try #require(try environment.dump().first { $0.isNode && $0.properties["node.name"] == camera.name })
        #expect(dumpedCamera.id == Int(camera.id))
        #expect(dumpedCamera.properties["object.serial"] == String(camera.serial))
    }

    @Test func unknownCameraNameIsAClearDeviceUnavailableError() throws {
        let loop = try PipeWireLoop(name: "trtcd-test-devices", remote: environment.socketPath)
        let list = try loop.devices()
        let error = #expect(throws: PipeWireError.self) { try list.resolve("no-such-camera", of: .videoSource) }
        guard case .deviceUnavailable(let message) = error else {
            Issue.record("expected deviceUnavailable, got \(String(describing: error))")
            return
        }
        #expect(message.contains("no-such-camera"))
        #expect(message.contains(PipeWireTestEnvironment.cameraName))  // lists what is available
    }

    @Test func missingDaemonIsAConnectionError() throws {
        let error = #expect(throws: PipeWireError.self) {
            _ = try PipeWireLoop(name: "trtcd-test-devices", remote: environment.directory + "/no-such-socket")
        }
        guard case .connectionFailed = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
    }

    @Test func defaultFallsBackToTheFirstDeviceThatIsNotARemoteVideoNode() throws {
        let remote = PipeWireDevice(id: 40, serial: 400, name: "trtcd.remote.alice.main", description: "alice", mediaClass: .videoSource)
        let camera = PipeWireDevice(id: 41, serial: 401, name: "usb-camera", description: "USB camera", mediaClass: .videoSource)
        let microphone = PipeWireDevice(id: 42, serial: 402, name: "usb-mic", description: "USB mic", mediaClass: .audioSource)
        let noDefaults = PipeWireDeviceList(devices: [remote, camera, microphone], defaultNames: [:])
        #expect(noDefaults.defaultDevice(of: .videoSource) == camera)
        #expect(try noDefaults.resolve("", of: .audioSource) == microphone)
        // A default naming a node that no longer exists is ignored.
        let staleDefault = PipeWireDeviceList(devices: [remote, camera], defaultNames: [.videoSource: "gone"])
        #expect(staleDefault.defaultDevice(of: .videoSource) == camera)
        #expect(throws: PipeWireError.deviceUnavailable("no speaker (Audio/Sink node) is present")) {
            try staleDefault.resolve(nil, of: .audioSink)
        }
        #expect(PipeWireLoop.nodeName(fromDefaultValue: #"{ "name": "usb-mic" }"#) == "usb-mic")
        #expect(PipeWireLoop.nodeName(fromDefaultValue: "not json") == nil)
    }
}
