// swift-tools-version:6.1
import Foundation
import PackageDescription

let package = Package(
    name: "trtcd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "trtc-server", targets: ["trtc-server"]),
        .executable(name: "trtc-bench", targets: ["trtc-bench"]),
        .executable(name: "trtcctl", targets: ["trtcctl"]),
        .executable(name: "trtcd", targets: ["trtcd"]),
        .library(name: "TrtcCore", targets: ["TrtcCore"]),
        .library(name: "TrtcServer", targets: ["TrtcServer"]),
        .library(name: "TrtcDBus", targets: ["TrtcDBus"]),
        .library(name: "TrtcDBusContract", targets: ["TrtcDBusContract"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // zlib, for the compressed UserSig document.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // Identifiers, error codes, exit/leave reasons, UserSig, TC3 signing, signaling messages.
        .target(
            name: "TrtcCore",
            dependencies: [
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The room service: signaling, rooms, server API, metrics, the media SFU (RTP/RTCP framing from TrtcRTP).
        .target(
            name: "TrtcServer",
            dependencies: [
                "TrtcCore", "TrtcRTP", "TrtcTransport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // Cluster mode (docs/cluster.md): nodes coordinate through PostgreSQL; unused on a single node.
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // web/sdk/trtc.js and web/demo/index.html, served at /sdk/trtc.js and /demo.
            plugins: ["EmbedWebFiles"]
        ),
        .plugin(name: "EmbedWebFiles", capability: .buildTool()),
        .executableTarget(
            name: "trtc-server",
            dependencies: [
                "TrtcServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Clients of trtc-server: signaling (trtcd) and the server API (trtcctl); also used by tests and the benchmark.
        // The signaling client is its own module so that trtcd links only what it needs (trust, URLs, the WebSocket
        // channel); TrtcClient adds the server-API client (NIO + NIOSSL) and re-exports it.
        .target(
            name: "TrtcSignalingClient",
            dependencies: [
                "TrtcCore",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "TrtcClient",
            dependencies: [
                "TrtcCore", "TrtcSignalingClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // Benchmarks (trtc-bench): the logic in a library, one subcommand per part (server; later daemon, media).
        // recvmmsg/sendmmsg and CPU pinning for `trtc-bench sfu`'s raw forwarder (need _GNU_SOURCE).
        .target(name: "CBenchSupport"),
        .target(
            name: "TrtcBenchmarks",
            dependencies: [
                "CBenchSupport", "TrtcServer", "TrtcClient", "TrtcCore", "TrtcRTP", "TrtcCodecs", "TrtcDBus", "TrtcDBusContract", "TrtcHarness", "TrtcNetLab",
                "TrtcMeasurement", "TrtcPipeWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "trtc-bench",
            dependencies: ["TrtcBenchmarks", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // The media path in three modules by what they link, so trtc-server links none of the C libraries.
        // RTP/RTCP in pure Swift (RFC 3550/4585/5761/7587/7741): packets and in-place header views, VP8/Opus payload
        // formats, reception statistics, NACK requests and the retransmission history.
        .target(name: "TrtcRTP"),
        // libvpx (VP8) and libopus, with C shims for the macros and variadic controls Swift cannot import.
        .systemLibrary(name: "CVPX", path: "Sources/CVPX", pkgConfig: "vpx", providers: [.apt(["libvpx-dev"])]),
        .systemLibrary(name: "COpus", path: "Sources/COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        // libvpx's allocation-time zero fills (the 22 MB VP8 token buffer at 720p) release pages instead of writing zeros.
        .target(name: "CPageZeroFill"),
        // Box-filter resizing of one image plane: the publisher's scaled-down pictures (resolution scaling, issue 14 §1).
        .target(name: "CPlaneScaling"),
        // Raw I420 frames and the VP8/Opus codecs; packetizers fed with encoded frames.
        .target(name: "TrtcCodecs", dependencies: ["TrtcRTP", "CVPX", "COpus", "CPageZeroFill", "CPlaneScaling"]),
        // libpipewire-0.3, with C shims for method macros, variadic POD builders and event tables.
        .systemLibrary(name: "CPipeWire", path: "Sources/CPipeWire", pkgConfig: "libpipewire-0.3", providers: [.apt(["libpipewire-0.3-dev"])]),
        // PipeWire: devices, camera and microphone capture, audio playback, video source nodes (I420 frames).
        .target(name: "TrtcPipeWire", dependencies: ["TrtcCodecs", "CPipeWire"]),
        // Measuring what a viewer sees (issue 12): a deterministic moving scene, frame stamps (frame id and capture time
        // as blocks that survive compression), a synthetic PipeWire camera pushing stamped pictures, a reader of a
        // video node recovering the stamps, freezes as WebRTC counts them. For trtc-bench and tests.
        .target(name: "TrtcMeasurement", dependencies: ["TrtcCodecs", "TrtcPipeWire", "TrtcCore"]),
        .testTarget(name: "TrtcMeasurementTests", dependencies: ["TrtcMeasurement", "TrtcCodecs"]),
        // Synthetic media for tests: a test-pattern camera, tones, deterministic random numbers.
        .target(name: "TrtcMediaTestSupport", dependencies: ["TrtcCodecs", "TrtcNetLab"], path: "Tests/TrtcMediaTestSupport"),
        .testTarget(name: "TrtcRTPTests", dependencies: ["TrtcRTP", "TrtcMediaTestSupport"]),
        .testTarget(name: "TrtcCodecsTests", dependencies: ["TrtcCodecs", "TrtcRTP", "CPageZeroFill", "TrtcMediaTestSupport", "TrtcHarness"]),
        .testTarget(
            name: "TrtcPipeWireTests",
            dependencies: ["TrtcPipeWire", "TrtcCodecs", "TrtcMediaTestSupport", "TrtcHarness", "TrtcHarnessTesting"]
        ),

        // The media transport (issue 10): OpenSSL 3 DTLS 1.2 and libsrtp2 behind `cst_` shims (the macros Swift cannot
        // call, a datagram BIO, fingerprint-only certificate checks); no OpenSSL header reaches Swift, so this never
        // meets swift-nio-ssl's BoringSSL at the module level (its C symbols are prefixed, so both link).
        .target(
            name: "CSecureTransport",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto"), .linkedLibrary("srtp2")]
        ),
        // STUN, ICE-lite responder and controlling checker, RFC 7983 demultiplexing, DTLS-SRTP connections for
        // trtc-server and trtcd; I/O-free (bytes in, bytes out, `now` passed in). HMAC-SHA1 from swift-crypto,
        // the STUN FINGERPRINT's CRC-32 from zlib.
        .target(
            name: "TrtcTransport",
            dependencies: ["CSecureTransport", "CZlib", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // TrtcHarness to run aiortc (Scripts/aiortc_peer.py), the independent peer of the interop test.
        .testTarget(name: "TrtcTransportTests", dependencies: ["TrtcTransport", "TrtcHarness"], exclude: ["Scripts"]),

        // libdbus-1, driven from one owner thread per connection; D-Bus server and client for trtcd and trtcctl.
        .systemLibrary(name: "CDBus", path: "Sources/CDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        .target(
            name: "TrtcDBus",
            dependencies: [
                "CDBus",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "TrtcDBusTests", dependencies: ["TrtcDBus", "TrtcHarness"]),

        // trtcd's D-Bus contract, shared by trtcd, trtcctl, trtc-bench and the tests: bus name and path, method,
        // signal and property names, EnterRoom's and StartLocal*'s parameters, error names, and the interface XML
        // (dbus/org.trtcd.Trtc1.Room.xml, compiled in by the EmbedInterfaceXML plugin).
        .plugin(name: "EmbedInterfaceXML", capability: .buildTool()),
        .target(
            name: "TrtcDBusContract",
            dependencies: ["TrtcCore", "TrtcDBus"],
            plugins: ["EmbedInterfaceXML"]
        ),

        // trtcctl: command-line client of trtcd (D-Bus) and of the server API; logic in TrtcControl.
        .target(
            name: "TrtcControl",
            dependencies: [
                "TrtcCore", "TrtcDBus", "TrtcDBusContract", "TrtcClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "trtcctl", dependencies: ["TrtcControl"]),
        .testTarget(
            name: "TrtcControlTests",
            dependencies: [
                "TrtcControl", "TrtcCore", "TrtcClient", "TrtcDBus", "TrtcDBusContract", "TrtcHarness", "TrtcHarnessTesting",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // libsystemd: journal logging and sd_notify for trtcd.
        .systemLibrary(name: "CSystemd", path: "Sources/CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // trtcd: the D-Bus room service, its room controller and its session with trtc-server.
        .target(
            name: "TrtcDaemon",
            dependencies: [
                "TrtcCore", "TrtcSignalingClient", "TrtcDBus", "TrtcDBusContract", "CSystemd", "TrtcRTP", "TrtcCodecs", "TrtcPipeWire", "TrtcTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "trtcd",
            dependencies: ["TrtcDaemon", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // The network lab's impairment model (issue 12): seeded, I/O-free value types (Gilbert–Elliott loss, delay and
        // jitter, a capacity with a drop-tail queue and a schedule, outages); TrtcHarness's ImpairmentRelay puts it
        // on UDP. No dependencies, so it is unit-tested without sockets.
        .target(name: "TrtcNetLab"),
        .testTarget(name: "TrtcNetLabTests", dependencies: ["TrtcNetLab"]),

        // What tests and benchmarks run: child processes (output awaited, deadlines, kill on release), private
        // dbus-daemon buses, trtc-server and trtcd processes, the private PipeWire of scripts/pipewire-test-env.
        // trtc-bench ships it, so it never imports Testing; TrtcHarnessTesting holds what does.
        .target(
            name: "TrtcHarness",
            dependencies: [
                "TrtcCore", "TrtcClient", "TrtcDBus", "TrtcDBusContract", "TrtcTransport", "TrtcNetLab",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(name: "TrtcHarnessTesting", dependencies: ["TrtcHarness"], path: "Tests/TrtcHarnessTesting"),
        .testTarget(
            name: "TrtcHarnessTests",
            dependencies: [
                "TrtcHarness", "TrtcHarnessTesting", "TrtcNetLab",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        .testTarget(
            name: "TrtcDaemonTests",
            dependencies: [
                "TrtcDaemon", "TrtcDBus", "TrtcDBusContract", "TrtcCore", "TrtcClient", "TrtcHarness", "TrtcHarnessTesting", "TrtcRTP",
                "TrtcCodecs", "TrtcPipeWire", "TrtcNetLab", "TrtcMeasurement",
            ],
            exclude: ["Scripts"]
        ),
        .testTarget(name: "TrtcDBusContractTests", dependencies: ["TrtcDBusContract", "TrtcDBus", "TrtcCore"]),
        // RoomStateMachine, table-driven, without processes.
        .testTarget(name: "TrtcRoomStateMachineTests", dependencies: ["TrtcDaemon", "TrtcDBusContract", "TrtcDBus", "TrtcCore"]),
        .testTarget(name: "TrtcCoreTests", dependencies: ["TrtcCore", "TrtcHarness"], resources: [.copy("Vectors")]),
        .testTarget(
            name: "TrtcServerTests",
            dependencies: [
                // TrtcCodecs for tests only: real VP8 RTP from the encoder (trtc-server itself links no codec).
                "TrtcServer", "TrtcCore", "TrtcClient", "TrtcHarness", "TrtcHarnessTesting", "TrtcRTP", "TrtcCodecs", "TrtcTransport", "TrtcNetLab",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["Scripts"]
        ),
    ]
)

// libFuzzer harnesses (scripts/fuzz; docs/security.md, "Fuzzing"), only when TRTC_FUZZ=1: scripts/fuzz builds them in
// .build/fuzz with ASan and coverage instrumentation and links libFuzzer's driver, without which they do not link.
// One executable `fuzz-<name>` per harness Fuzz/Targets/<name>/main.swift, listed here with the targets it tests.
// Listed rather than found by reading Fuzz/Targets: SwiftPM caches a manifest's evaluation by its text, so a
// harness added to the directory alone stayed unknown to a cached evaluation (a CI run failed so).
let fuzzHarnesses: [(name: String, dependencies: [Target.Dependency])] = [
    ("dbus", ["TrtcDBus", "TrtcDBusContract", "CDBus"]),
    ("json", ["TrtcCore"]),
    ("opus", ["TrtcRTP"]),
    ("privatemapkey", ["TrtcCore"]),
    ("rtcp", ["TrtcRTP"]),
    ("rtp", ["TrtcRTP"]),
    ("sdp", ["TrtcCore"]),
    ("signaling", ["TrtcCore"]),
    ("stun", ["TrtcTransport"]),
    ("tc3", ["TrtcCore"]),
    ("usersig", ["TrtcCore"]),
    ("vp8", ["TrtcRTP"]),
]
if Context.environment["TRTC_FUZZ"] == "1" {
    package.targets += [
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/FuzzSupport"),
    ]
    for harness in fuzzHarnesses {
        package.targets.append(.executableTarget(
            name: "fuzz-\(harness.name)",
            dependencies: ["FuzzSupport"] + harness.dependencies,
            path: "Fuzz/Targets/\(harness.name)"
        ))
        package.products.append(.executable(name: "fuzz-\(harness.name)", targets: ["fuzz-\(harness.name)"]))
    }
}

// ThreadSanitizer builds (scripts/tsan, TRTC_TSAN=1): TRTC_TSAN swaps Synchronization.Mutex, which the sanitizer
// cannot see on Linux, for a pthread mutex with the same interface (Sources/TrtcCore/ThreadSanitizerMutex.swift).
if Context.environment["TRTC_TSAN"] == "1" {
    for target in package.targets where [.regular, .executable, .test].contains(target.type) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.define("TRTC_TSAN")]
    }
}
