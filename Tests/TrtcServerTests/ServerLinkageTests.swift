import Foundation
import Testing
import TrtcTestSupport

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
        let ldd = Process()
        ldd.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        ldd.arguments = ["ldd", BuiltProducts.executable(executable).path]
        let output = Pipe()
        ldd.standardOutput = output
        ldd.standardError = FileHandle.nullDevice
        try ldd.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ldd.waitUntilExit()
        try #require(ldd.terminationStatus == 0, "ldd \(executable) exited with \(ldd.terminationStatus)")
        // "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "\t/lib64/ld-linux-x86-64.so.2 (0x…)".
        return text.split(separator: "\n").compactMap { line in
            line.split(whereSeparator: \.isWhitespace).first.map { String($0.split(separator: "/").last ?? $0) }
        }
    }
}
