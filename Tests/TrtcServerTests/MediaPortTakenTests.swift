import Foundation
import Testing
import TrtcHarness

/// trtc-server reports itself started (the banner) only once both of its sockets are bound.
@Suite("trtc-server start-up with its media port taken")
struct MediaPortTakenTests {
    @Test("the UDP media port in use: no banner, a message naming the address, exit status 1")
    func mediaPortTaken() async throws {
        // Hold a UDP port on loopback for the whole test.
        let holder = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(holder >= 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) == 0 && getsockname(holder, $0, &length) == 0 }
        }
        try #require(bound)
        let port = UInt16(bigEndian: address.sin_port)

        let state = try BuiltProducts.temporaryDirectory("trtc-media-taken")
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try ChildProcess(BuiltProducts.executable("trtc-server"),
                                      ["--listen", "127.0.0.1:0", "--media", "127.0.0.1:\(port)", "--state-dir", state.path])
        #expect(try await server.waitForExit(timeout: .seconds(30)) == 1)
        try await server.waitForError(containing: "Address already in use")
        #expect(!server.output.contains { $0.contains("signaling") }, "a banner although the media socket is not bound: \(server.output)")
    }
}
