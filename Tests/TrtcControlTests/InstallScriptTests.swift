import Foundation
import Testing
import TrtcHarness

/// scripts/install and scripts/verify-units, run as real processes on the built binaries.
@Suite("scripts/install and scripts/verify-units")
struct InstallScriptTests {
    static var install: String { BuiltProducts.repositoryRoot.appendingPathComponent("scripts/install").path }
    static var verifyUnits: String { BuiltProducts.repositoryRoot.appendingPathComponent("scripts/verify-units").path }

    /// Every regular file and symlink under `root`, relative to it.
    static func files(under root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey]) else { return [] }
        var found: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) != true {
            found.append(String(url.path.dropFirst(root.path.count)))
        }
        return found.sorted()
    }

    static func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("system-wide into DESTDIR: binaries, user unit, activation file and server unit in place; --uninstall leaves nothing")
    func systemWide() async throws {
        let root = try BuiltProducts.temporaryDirectory("trtcctl-install")
        defer { try? FileManager.default.removeItem(at: root) }
        let environment = ["DESTDIR": root.path]
        let run = try await CommandRun.run(Self.install, ["--bin-dir", BuiltProducts.directory.path], environment: environment)
        #expect(run.status == 0, "\(run)")
        #expect(Self.files(under: root) == [
            "/etc/systemd/system/trtc-server.service", "/etc/systemd/user/trtcd.service",
            "/usr/local/bin/trtc-server", "/usr/local/bin/trtcctl", "/usr/local/bin/trtcd",
            "/usr/share/dbus-1/services/org.trtcd.Trtc1.service",
        ])
        #expect(try Self.permissions(root.path + "/usr/local/bin/trtcctl") == 0o755)
        #expect(try Self.permissions(root.path + "/etc/systemd/user/trtcd.service") == 0o644)
        let activation = try String(contentsOfFile: root.path + "/usr/share/dbus-1/services/org.trtcd.Trtc1.service", encoding: .utf8)
        #expect(activation.contains("\nExec=/usr/local/bin/trtcd\n"))
        let installed = try Data(contentsOf: root.appendingPathComponent("usr/local/bin/trtcctl"))
        #expect(installed == (try Data(contentsOf: BuiltProducts.directory.appendingPathComponent("trtcctl"))))

        let removal = try await CommandRun.run(Self.install, ["--uninstall"], environment: environment)
        #expect(removal.status == 0, "\(removal)")
        #expect(Self.files(under: root) == [])
    }

    @Test("--user --prefix: Exec paths rewritten to the prefix, files under HOME; --uninstall leaves nothing")
    func user() async throws {
        let root = try BuiltProducts.temporaryDirectory("trtcctl-install-user")
        defer { try? FileManager.default.removeItem(at: root) }
        let home = root.appendingPathComponent("home").path
        let prefix = root.appendingPathComponent("opt/trtc").path
        // No reachable user manager: the script's `systemctl --user` calls must not reach a real session.
        let runtime = root.appendingPathComponent("runtime").path
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        let environment = ["HOME": home, "XDG_RUNTIME_DIR": runtime]
        let run = try await CommandRun.run(
            Self.install, ["--user", "--prefix", prefix, "--bin-dir", BuiltProducts.directory.path], environment: environment)
        #expect(run.status == 0, "\(run)")
        #expect(Self.files(under: root) == [
            "/home/.config/systemd/user/trtcd.service", "/home/.local/share/dbus-1/services/org.trtcd.Trtc1.service",
            "/opt/trtc/bin/trtc-server", "/opt/trtc/bin/trtcctl", "/opt/trtc/bin/trtcd",
        ])
        let unit = try String(contentsOfFile: home + "/.config/systemd/user/trtcd.service", encoding: .utf8)
        #expect(unit.contains("\nExecStart=\(prefix)/bin/trtcd\n"))
        let activation = try String(contentsOfFile: home + "/.local/share/dbus-1/services/org.trtcd.Trtc1.service", encoding: .utf8)
        #expect(activation.contains("\nExec=\(prefix)/bin/trtcd\n"))

        let removal = try await CommandRun.run(Self.install, ["--user", "--prefix", prefix, "--uninstall"], environment: environment)
        #expect(removal.status == 0, "\(removal)")
        #expect(Self.files(under: root) == [])
    }

    @Test("bad install arguments: usage errors, nothing written")
    func badArguments() async throws {
        let root = try BuiltProducts.temporaryDirectory("trtcctl-install-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let unknown = try await CommandRun.run(Self.install, ["--frobnicate"], environment: ["DESTDIR": root.path])
        #expect(unknown.status == 2, "\(unknown)")
        let relative = try await CommandRun.run(Self.install, ["--prefix", "relative/dir"], environment: ["DESTDIR": root.path])
        #expect(relative.status == 2, "\(relative)")
        let missing = try await CommandRun.run(Self.install, ["--bin-dir", root.path], environment: ["DESTDIR": root.path])
        #expect(missing.status == 1 && missing.stderr.contains("trtcd is missing"), "\(missing)")
        #expect(Self.files(under: root) == [])
    }

    @Test("systemd-analyze verify accepts both units with the built binaries, without a single warning")
    func unitsVerify() async throws {
        let run = try await CommandRun.run(Self.verifyUnits, ["--bin-dir", BuiltProducts.directory.path], environment: [:])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.components(separatedBy: " ok\n").count == 4, "\(run)")
    }

    @Test("verify-units fails on a misspelt directive and on an activation file that names another unit")
    func unitsVerifyCatchesMistakes() async throws {
        let copy = try BuiltProducts.temporaryDirectory("trtcctl-units")
        defer { try? FileManager.default.removeItem(at: copy) }
        for directory in ["scripts", "systemd", "dbus"] {
            try FileManager.default.copyItem(at: BuiltProducts.repositoryRoot.appendingPathComponent(directory),
                                             to: copy.appendingPathComponent(directory))
        }
        let unit = copy.appendingPathComponent("systemd/trtc-server.service")
        try (try String(contentsOf: unit, encoding: .utf8)).replacingOccurrences(of: "ProtectSystem=strict", with: "ProtectSystm=strict")
            .write(to: unit, atomically: true, encoding: .utf8)
        let activation = copy.appendingPathComponent("dbus/org.trtcd.Trtc1.service")
        try (try String(contentsOf: activation, encoding: .utf8)).replacingOccurrences(of: "SystemdService=trtcd.service", with: "SystemdService=other.service")
            .write(to: activation, atomically: true, encoding: .utf8)
        let run = try await CommandRun.run(copy.appendingPathComponent("scripts/verify-units").path,
                                           ["--bin-dir", BuiltProducts.directory.path], environment: [:])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("Unknown key 'ProtectSystm'"), "\(run)")
        #expect(run.stderr.contains("SystemdService is not trtcd.service"), "\(run)")
        #expect(run.stdout.contains("systemd/trtcd.service (user) ok"), "\(run)")
    }
}
