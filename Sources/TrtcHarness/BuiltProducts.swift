import Foundation

/// Where the package's executables and scripts are, seen from a test or a benchmark run from the build directory.
public enum BuiltProducts {
    /// The directory holding the built executables (next to the test bundle).
    public static var directory: URL {
        if let custom = ProcessInfo.processInfo.environment["TRTC_BIN_DIR"] { return URL(fileURLWithPath: custom) }
        var url = Bundle.main.bundleURL
        // The bundle may be `…/debug/trtcdPackageTests.xctest` or the runner inside it.
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("trtc-server").path) { return url }
            url.deleteLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }

    public static func executable(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The repository root (for scripts and the D-Bus XML): three levels above this file.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A new, empty directory under the system's temporary directory; removing it is the caller's.
    public static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
