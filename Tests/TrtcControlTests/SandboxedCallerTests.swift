import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// Security M6: camera and microphone for sandboxed callers only with the portal's grant, and `bindToCaller` on
/// StartLocal*. Real processes throughout: trtcctl put (before it connects) into a cgroup named as Flatpak's or
/// Snap's are, a real trtcd and PipeWire, and the real xdg-desktop-portal permission store (`xdg-permission-store`).
@Suite("sandboxed callers and bindToCaller of StartLocal* (security M6)", .serialized)
struct SandboxedCallerTests {
    static let appId = "org.example.Sandboxed"

    /// trtcctl with `arguments`, started inside `cgroup` (written into its cgroup.procs before trtcctl is exec'd).
    static func sandboxedTrtcctl(_ session: DaemonSession, in cgroup: TestCgroup, _ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.run("/bin/sh", ["-c", #"echo $$ > "$0" && exec "$@""#, cgroup.procs,
                                             BuiltProducts.executable("trtcctl").path] + arguments,
                                 environment: session.environment)
    }

    static func localDevices(_ session: DaemonSession) async throws -> (video: JSONValue?, audio: JSONValue?) {
        try await LocalMediaCommandTests.localDevices(session)
    }

    @Test("a Flatpak caller is refused camera, microphone and unmuting when no portal answers; the same commands unsandboxed work")
    func noPortal() async throws {
        let flatpak = try TestCgroup.make(leaf: "app-flatpak-\(Self.appId)-4242.scope")
        defer { flatpak.remove() }
        try await withPipeWire { pipewire in
            try await withDaemonSession(daemonEnvironment: pipewire) { session in
                for (arguments, device) in [(["video", "start"], "camera"), (["audio", "start"], "microphone")] {
                    let refused = try await Self.sandboxedTrtcctl(session, in: flatpak, arguments)
                    #expect(refused.status == 1, "\(refused)")
                    #expect(refused.stderr.hasPrefix("trtcctl: org.trtcd.Trtc1.Error.NotPermitted: [-3] "), "\(refused)")
                    #expect(refused.stderr.contains("sandboxed flatpak app \(Self.appId)"), "\(refused)")
                    #expect(refused.stderr.contains("no xdg-desktop-portal permission store answers"), "\(refused)")
                    #expect(refused.stderr.contains("use the \(device)"), "\(refused)")
                }
                #expect(try await Self.localDevices(session) == (.bool(false), .bool(false)))

                // Unsandboxed: the session bus is the user's trust boundary.
                #expect(try await session.trtcctl(["video", "start"]).status == 0)
                #expect(try await session.trtcctl(["audio", "start"]).status == 0)
                #expect(try await Self.localDevices(session) == (.bool(true), .bool(true)))
                // Muting is always allowed; unmuting sends what the device captures, so it needs the grant too.
                #expect(try await Self.sandboxedTrtcctl(session, in: flatpak, ["video", "mute"]).status == 0)
                let unmute = try await Self.sandboxedTrtcctl(session, in: flatpak, ["video", "unmute"])
                #expect(unmute.status == 1 && unmute.stderr.contains("Error.NotPermitted"), "\(unmute)")
                #expect(try await session.trtcctl(["video", "unmute"]).status == 0)
                #expect(try await session.trtcctl(["video", "stop"]).status == 0)
                #expect(try await session.trtcctl(["audio", "stop"]).status == 0)
            }
        }
    }

    @Test("with the portal's permission store: a Flatpak app gets the camera once the user granted it, not the microphone; a Snap without a grant is refused")
    func portalGrant() async throws {
        let flatpak = try TestCgroup.make(leaf: "app-flatpak-\(Self.appId)-4243.scope")
        defer { flatpak.remove() }
        let snap = try TestCgroup.make(leaf: "snap.sandboxed.sandboxed-4244.scope")
        defer { snap.remove() }
        try await withPipeWire { pipewire in
            try await withDaemonSession(daemonEnvironment: pipewire) { session in
                let store = try await PermissionStore.start(on: session)
                defer { Task { await store.stop() } }

                let before = try await Self.sandboxedTrtcctl(session, in: flatpak, ["video", "start"])
                #expect(before.status == 1, "\(before)")
                #expect(before.stderr.contains("sandboxed flatpak app \(Self.appId) without the user's camera permission"), "\(before)")

                try await store.grant(device: "camera", to: Self.appId)
                let granted = try await Self.sandboxedTrtcctl(session, in: flatpak, ["video", "start"])
                #expect(granted.status == 0, "\(granted)")
                #expect(try await Self.localDevices(session).video == .bool(true))
                let microphone = try await Self.sandboxedTrtcctl(session, in: flatpak, ["audio", "start"])
                #expect(microphone.status == 1 && microphone.stderr.contains("without the user's microphone permission"), "\(microphone)")

                let snapped = try await Self.sandboxedTrtcctl(session, in: snap, ["video", "start"])
                #expect(snapped.status == 1, "\(snapped)")
                #expect(snapped.stderr.contains("sandboxed snap app snap.sandboxed without the user's camera permission"), "\(snapped)")
                #expect(try await session.trtcctl(["video", "stop"]).status == 0)
            }
        }
    }

    @Test("StartLocalVideo/StartLocalAudio with bindToCaller: the capture closes when the caller leaves the bus; without it, it stays")
    func bindToCaller() async throws {
        try await withPipeWire { pipewire in
            try await withDaemonSession(daemonEnvironment: pipewire) { session in
                // gdbus makes its call and leaves the bus at once.
                func gdbus(_ method: String, _ options: String) async throws -> CommandRun {
                    try await CommandRun.run("/usr/bin/gdbus", ["call", "--session", "--dest", "org.trtcd.Trtc1",
                                                                "--object-path", "/org/trtcd/Trtc1",
                                                                "--method", "org.trtcd.Trtc1.Room.\(method)", options],
                                             environment: session.bus.addressEnvironment)
                }
                let unbound = try await gdbus("StartLocalVideo", "{}")
                #expect(unbound.status == 0, "\(unbound)")
                try await Task.sleep(for: .milliseconds(500))
                #expect(try await Self.localDevices(session).video == .bool(true), "without bindToCaller the camera outlives its caller")

                let bad = try await gdbus("StartLocalAudio", "{'bindToCaller': <'yes'>}")
                #expect(bad.status != 0 && bad.stderr.contains("bindToCaller must be a boolean"), "\(bad)")

                for (method, property) in [("StartLocalVideo", "video"), ("StartLocalAudio", "audio")] {
                    let bound = try await gdbus(method, "{'bindToCaller': <true>}")
                    #expect(bound.status == 0, "\(bound)")
                    let deadline = ContinuousClock.now + .seconds(5)
                    var devices = try await Self.localDevices(session)
                    while (property == "video" ? devices.video : devices.audio) != .bool(false), ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(100))
                        devices = try await Self.localDevices(session)
                    }
                    #expect((property == "video" ? devices.video : devices.audio) == .bool(false),
                            "\(method) with bindToCaller: closed once gdbus left the bus")
                }
            }
        }
    }
}

/// A cgroup this test makes (it runs as root, as CI does), named where a sandboxed app's processes live: a leaf of
/// the given name under a parent of its own, in the cgroup v2 hierarchy (else the named v1 `systemd` one).
struct TestCgroup {
    let parent: URL
    let directory: URL
    var procs: String { directory.appendingPathComponent("cgroup.procs").path }

    static func make(leaf: String) throws -> TestCgroup {
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).split(separator: "\n")
        func mountPoint(_ matches: (_ type: Substring, _ options: Substring) -> Bool) -> String? {
            for line in mounts {
                let halves = line.components(separatedBy: " - ")
                guard halves.count == 2 else { continue }
                let fields = halves[0].split(separator: " "), tail = halves[1].split(separator: " ")
                if fields.count > 4, tail.count > 2, matches(tail[0], tail[2]) { return String(fields[4]) }
            }
            return nil
        }
        guard let root = mountPoint({ type, _ in type == "cgroup2" })
                ?? mountPoint({ type, options in type == "cgroup" && options.contains("name=systemd") }) else {
            throw TestFailure("no cgroup hierarchy mounted to make a sandboxed caller's cgroup in")
        }
        let parent = URL(fileURLWithPath: root).appendingPathComponent("trtcd-test-\(getpid())-\(UUID().uuidString.prefix(8))")
        let directory = parent.appendingPathComponent(leaf)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TestFailure("cannot make the cgroup \(directory.path) (the test needs root): \(error)")
        }
        return TestCgroup(parent: parent, directory: directory)
    }

    /// Removes both directories (cgroups go with rmdir once their processes are gone).
    func remove() {
        rmdir(directory.path)
        rmdir(parent.path)
    }
}

/// xdg-desktop-portal's permission store (`/usr/libexec/xdg-permission-store`, package xdg-desktop-portal) on the
/// session's bus, keeping its database in a directory of its own; `grant` is what the portal's dialog stores when
/// the user allows an app a device.
struct PermissionStore {
    let process: ChildProcess
    let data: URL
    let environment: [String: String]

    static func start(on session: DaemonSession) async throws -> PermissionStore {
        let data = try BuiltProducts.temporaryDirectory("trtcd-permission-store")
        let environment = session.bus.addressEnvironment.merging(["XDG_DATA_HOME": data.path, "HOME": data.path]) { $1 }
        let process = try ChildProcess("/usr/libexec/xdg-permission-store", ["--replace"], environment: environment,
                                       name: "xdg-permission-store")
        let store = PermissionStore(process: process, data: data, environment: environment)
        let deadline = ContinuousClock.now + .seconds(10)
        while true {  // Ready once it owns its name: a lookup is answered (NotFound for an empty table).
            let lookup = try await store.gdbus("Lookup", ["devices", "camera"])
            if lookup.status == 0 || lookup.stderr.contains("NotFound") { return store }
            guard ContinuousClock.now < deadline else { throw TestFailure("xdg-permission-store did not come up: \(lookup)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func gdbus(_ method: String, _ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.run("/usr/bin/gdbus", ["call", "--session", "--dest", "org.freedesktop.impl.portal.PermissionStore",
                                                    "--object-path", "/org/freedesktop/impl/portal/PermissionStore",
                                                    "--method", "org.freedesktop.impl.portal.PermissionStore.\(method)"] + arguments,
                                 environment: environment)
    }

    func grant(device: String, to appId: String) async throws {
        let set = try await gdbus("SetPermission", ["devices", "true", device, appId, "['yes']"])
        guard set.status == 0 else { throw TestFailure("SetPermission: \(set)") }
    }

    func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(at: data)
    }
}
