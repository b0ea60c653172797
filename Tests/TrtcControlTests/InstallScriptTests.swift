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

    /// A copy of scripts/, systemd/ and dbus/ to break on purpose; removed by the caller.
    static func copyOfInstallFiles() throws -> URL {
        let copy = try BuiltProducts.temporaryDirectory("trtcctl-units")
        for directory in ["scripts", "systemd", "dbus"] {
            try FileManager.default.copyItem(at: BuiltProducts.repositoryRoot.appendingPathComponent(directory),
                                             to: copy.appendingPathComponent(directory))
        }
        return copy
    }

    /// Replaces `old` (which must occur) by `new` in the file at `path` under `root`.
    static func edit(_ root: URL, _ path: String, replacing old: String, with new: String) throws {
        let file = root.appendingPathComponent(path)
        let text = try String(contentsOf: file, encoding: .utf8)
        try #require(text.contains(old), "\(path) no longer contains \(old)")
        let permissions = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions]
        try text.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: permissions as Any], ofItemAtPath: file.path)  // scripts stay executable
    }

    static let verifiedInstalledFiles = [
        "trtc-server.service installed system-wide (system)", "trtcd.service installed with --user (user)",
        "trtcd.service installed system-wide (user)", "org.trtcd.Trtc1.service installed with --user",
        "org.trtcd.Trtc1.service installed system-wide",
    ]

    @Test("verify-units installs (--user into a temporary HOME, system-wide staged) and systemd-analyze accepts the installed units without a single warning")
    func unitsVerify() async throws {
        let run = try await CommandRun.run(Self.verifyUnits, ["--bin-dir", BuiltProducts.directory.path], environment: [:])
        #expect(run.status == 0, "\(run)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let verified = Self.verifiedInstalledFiles.map { "verify-units: \($0) ok" }
        #expect(Array(lines.prefix(verified.count)) == verified, "\(run)")
        // Then the exposure ratings (systemd-analyze security --offline=yes) of the two installed units.
        let exposures = lines.dropFirst(verified.count).filter { !$0.isEmpty }
        #expect(exposures.count == 2, "\(run)")
        #expect(exposures.first?.wholeMatch(of: /verify-units: trtc-server\.service installed system-wide \(system\) exposure (0|1)\.[0-9] \(at most 1\.5\) ok/) != nil, "\(run)")
        #expect(exposures.last?.wholeMatch(of: /verify-units: trtcd\.service installed with --user \(user\) exposure [0-9]\.[0-9] \(at most [0-9.]+\) ok/) != nil, "\(run)")
        #expect(run.stderr.isEmpty, "\(run)")
    }

    @Test("verify-units fails when a unit loses its hardening: trtc-server above 1.5, trtcd above its baseline")
    func unitsVerifyCatchesWeakerHardening() async throws {
        let copy = try Self.copyOfInstallFiles()
        defer { try? FileManager.default.removeItem(at: copy) }
        // Still valid units (systemd-analyze verify passes), only less confined.
        try Self.edit(copy, "systemd/trtc-server.service", replacing: "CapabilityBoundingSet=\n", with: "")
        try Self.edit(copy, "systemd/trtcd.service", replacing: "SystemCallFilter=~@privileged @resources @mount\n", with: "")
        let run = try await CommandRun.run(copy.appendingPathComponent("scripts/verify-units").path,
                                           ["--bin-dir", BuiltProducts.directory.path], environment: [:])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains(/trtc-server\.service installed system-wide \(system\): exposure [0-9.]+ is above 1\.5/), "\(run)")
        #expect(run.stderr.contains(/trtcd\.service installed with --user \(user\): exposure [0-9.]+ is above [0-9.]+/), "\(run)")
        #expect(run.stderr.contains("CapabilityBoundingSet=~CAP_SYS_ADMIN"), "the missing settings are listed: \(run)")
        #expect(run.stdout.contains("trtc-server.service installed system-wide (system) ok"), "\(run)")
    }

    @Test("verify-units fails on a misspelt directive and on an activation file that names another unit")
    func unitsVerifyCatchesMistakes() async throws {
        let copy = try Self.copyOfInstallFiles()
        defer { try? FileManager.default.removeItem(at: copy) }
        try Self.edit(copy, "systemd/trtc-server.service", replacing: "ProtectSystem=strict", with: "ProtectSystm=strict")
        try Self.edit(copy, "dbus/org.trtcd.Trtc1.service", replacing: "SystemdService=trtcd.service", with: "SystemdService=other.service")
        let run = try await CommandRun.run(copy.appendingPathComponent("scripts/verify-units").path,
                                           ["--bin-dir", BuiltProducts.directory.path], environment: [:])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("/stage/etc/systemd/system/trtc-server.service:"), "the installed copy is named: \(run)")
        #expect(run.stderr.contains("Unknown key 'ProtectSystm'"), "\(run)")
        #expect(run.stderr.contains("org.trtcd.Trtc1.service installed with --user: SystemdService is not trtcd.service"), "\(run)")
        #expect(run.stderr.contains("org.trtcd.Trtc1.service installed system-wide: SystemdService is not trtcd.service"), "\(run)")
        #expect(run.stdout.contains("trtcd.service installed with --user (user) ok"), "\(run)")
    }

    @Test("verify-units checks what scripts/install wrote: an activation file installed without its Exec rewritten fails")
    func unitsVerifyChecksInstalledCopies() async throws {
        let copy = try Self.copyOfInstallFiles()
        defer { try? FileManager.default.removeItem(at: copy) }
        // The repository's files stay right; only the installation goes wrong.
        try Self.edit(copy, "scripts/install",
                      replacing: #""$dbus_dir/org.trtcd.Trtc1.service" "$rewrite""#, with: #""$dbus_dir/org.trtcd.Trtc1.service""#)
        let run = try await CommandRun.run(copy.appendingPathComponent("scripts/verify-units").path,
                                           ["--bin-dir", BuiltProducts.directory.path], environment: [:])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("org.trtcd.Trtc1.service installed with --user: Exec (/usr/local/bin/trtcd) differs from trtcd.service's ExecStart"), "\(run)")
        #expect(run.stdout.contains("trtcd.service installed with --user (user) ok"), "\(run)")
    }

    @Test("verify-units reports a failed installation with its output")
    func unitsVerifyReportsInstallFailure() async throws {
        let empty = try BuiltProducts.temporaryDirectory("trtcctl-units-empty")
        defer { try? FileManager.default.removeItem(at: empty) }
        for binary in ["trtcd", "trtc-server"] {
            FileManager.default.createFile(atPath: empty.appendingPathComponent(binary).path, contents: Data("#!/bin/sh\n".utf8),
                                           attributes: [.posixPermissions: 0o755])
        }
        let run = try await CommandRun.run(Self.verifyUnits, ["--bin-dir", empty.path], environment: [:])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("scripts/install --user failed:\ninstall: \(empty.path)/trtcctl is missing or not executable"), "\(run)")
        #expect(run.stdout.isEmpty, "\(run)")
    }
}
