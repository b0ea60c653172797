import Foundation
import Glibc
import Testing
import TrtcHarness
import TrtcTransport

/// ServerMediaConnection on a real UDP socket against aiortc (aioice, pyOpenSSL, pylibsrtp): an independent
/// implementation completes ICE and DTLS, and SRTP/SRTCP it protects is unprotected here, protected again and
/// unprotected by it byte for byte.
@Suite struct AiortcInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/aiortc_peer.py")

    @Test(.timeLimit(.minutes(1)))
    func aiortcClientCompletesICEAndDTLSAndEchoesSRTP() async throws {
        let socket = try LoopbackUDPSocket()
        let credentials = ICECredentials.random()
        let certificate = MediaLink.serverCertificate
        let peer = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", Self.script.path, "127.0.0.1", String(socket.port), credentials.ufrag, credentials.password,
             certificate.fingerprint.description],
            name: "aiortc_peer.py")
        defer { peer.signal(SIGKILL) }
        let parameters = try await peer.waitForLine(containing: "PARAMS", timeout: .seconds(20)).split(separator: " ")
        try #require(parameters.count == 5, "\(parameters)")
        let fingerprint = try #require(CertificateFingerprint(parameters[3] + " " + parameters[4]))
        let server = try ServerMediaConnection(
            local: credentials, remoteUfrag: String(parameters[1]), remoteFingerprint: fingerprint, certificate: certificate)

        var echoed = 0
        var drops: [TransportDropReason] = []
        var events: [DTLSEvent] = []
        let clock = ContinuousClock()
        let end = clock.now + .seconds(30)
        while peer.isRunning, clock.now < end {
            for datagram in server.handleTimeout(now: clock.now) { socket.send(datagram, to: server.selectedAddress) }
            guard let received = socket.receive(timeoutMilliseconds: 20) else { continue }
            var datagram = received.0
            let source = received.1
            let now = clock.now
            switch datagram.withUnsafeBytes({ DatagramClass($0) }) {
            case .stun:
                switch datagram.withUnsafeBytes({ server.receiveSTUN($0, from: source, now: now) }) {
                case .answer(let answer, _): socket.send(answer, to: source)
                case .drop(let reason): drops.append(reason)
                }
            case .dtls:
                guard source == server.selectedAddress else { continue }
                let result = datagram.withUnsafeBytes { server.receiveDTLS($0, now: now) }
                for reply in result.outgoing { socket.send(reply, to: source) }
                if let event = result.event { events.append(event) }
            case .rtp, .rtcp:
                let rtcp = datagram.withUnsafeBytes { DatagramClass($0) } == .rtcp
                guard source == server.selectedAddress, server.hasConsent(now: now) else { continue }
                datagram += [UInt8](repeating: 0, count: ServerMediaConnection.maxProtectionOverhead)
                let count = datagram.count
                let length = try datagram.withUnsafeMutableBytes { raw throws(TransportError) -> Int in
                    let plain = rtcp ? try server.unprotectRTCP(raw.baseAddress!, length: count - ServerMediaConnection.maxProtectionOverhead)
                        : try server.unprotectRTP(raw.baseAddress!, length: count - ServerMediaConnection.maxProtectionOverhead)
                    return rtcp ? try server.protectRTCP(raw.baseAddress!, length: plain, capacity: count)
                        : try server.protectRTP(raw.baseAddress!, length: plain, capacity: count)
                }
                socket.send(Array(datagram[..<length]), to: source)
                echoed += 1
            case .unknown:
                Issue.record("unknown datagram from \(source)")
            }
        }
        let status = try await peer.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "aiortc_peer.py: \(peer.outputText)\n\(peer.errorOutput.suffix(3000))")
        #expect(peer.output.contains("DONE SRTP_AEAD_AES_128_GCM"), "\(peer.outputText)")
        #expect(echoed == 6)
        // aiortc offers AES-256-GCM first; the server picks by its own order. The script ends with close_notify.
        #expect(events == [.connected(.aeadAES128GCM), .closed])
        #expect(!server.isSecure)
        #expect(!drops.contains(.badIntegrity) && !drops.contains(.badFingerprint), "\(drops)")
    }
}

/// A UDP socket on 127.0.0.1 for the interop test (the transport itself does no I/O).
final class LoopbackUDPSocket {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        self.descriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(descriptor) }

    func receive(timeoutMilliseconds: Int32) -> ([UInt8], TransportAddress)? {
        var descriptors = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptors, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 2048)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                recvfrom(descriptor, &buffer, buffer.count, 0, generic, &length)
            }
        }
        guard count > 0 else { return nil }
        let ip = withUnsafeBytes(of: address.sin_addr.s_addr) { Array($0) }
        return (Array(buffer[..<count]), TransportAddress(ip: ip, port: UInt16(bigEndian: address.sin_port)))
    }

    func send(_ datagram: [UInt8], to destination: TransportAddress?) {
        guard let destination, destination.ip.count == 4 else { return }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = destination.port.bigEndian
        withUnsafeMutableBytes(of: &address.sin_addr.s_addr) { $0.copyBytes(from: destination.ip) }
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                sendto(descriptor, datagram, datagram.count, 0, generic, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}
