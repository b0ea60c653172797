import Foundation
import Testing
import TrtcHarness

/// trtc-server forwards RTP without decoding it, so it must not load the media stack's C libraries: each costs
/// resident memory and start-up time in every server process, and PipeWire has no business on a server.
@Suite("the trtc-server executable's shared libraries")
struct ServerLinkageTests {
    static let mediaLibraries = ["libpipewire", "libvpx", "libopus"]

    @Test("trtc-server loads no PipeWire, libvpx or libopus; trtcd, which does, shows the check can fail")
    func noMediaLibraries() throws {
        let server = try Self.sharedLibraries(of: "trtc-server")
        // A binary always loads libc: without it in the list, ldd's output was not read and the check below means nothing.
        #expect(server.contains { $0.hasPrefix("libc.so") }, "\(server)")
        for library in Self.mediaLibraries {
            #expect(!server.contains { $0.hasPrefix(library) }, "trtc-server loads \(library): \(server)")
        }

        let daemon = try Self.sharedLibraries(of: "trtcd")
        for library in Self.mediaLibraries {
            #expect(daemon.contains { $0.hasPrefix(library) }, "trtcd does not load \(library)? \(daemon)")
        }
    }

    /// The file names of the shared libraries `ldd` lists for a built executable (e.g. "libc.so.6").
    static func sharedLibraries(of executable: String) throws -> [String] {
        let ldd = try CommandRun.runBlocking("ldd", [BuiltProducts.executable(executable).path])
        try #require(ldd.status == 0, "ldd \(executable) exited with \(ldd.status)")
        // "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "\t/lib64/ld-linux-x86-64.so.2 (0x…)".
        return ldd.stdout.split(separator: "\n").compactMap { line in
            line.split(whereSeparator: \.isWhitespace).first.map { String($0.split(separator: "/").last ?? $0) }
        }
    }
}
