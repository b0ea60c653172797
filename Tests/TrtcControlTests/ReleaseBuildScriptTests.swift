import Foundation
import Testing
import TrtcHarness

/// scripts/release-build and scripts/check-symbol-order, run as real processes. A real release build takes many
/// minutes, so release-build runs here with a stand-in `swift` first on PATH that records every call and "links"
/// a product by copying the built (unstripped) trtcctl, unless that product is already there (as SwiftPM leaves an
/// up-to-date binary alone).
@Suite("scripts/release-build and scripts/check-symbol-order")
struct ReleaseBuildScriptTests {
    static let fakeSwift = #"""
    #!/usr/bin/env bash
    set -euo pipefail
    printf '%s\n' "$*" >> "$FAKE_SWIFT_LOG"
    product=""; previous=""
    for arg; do
      if [[ "$arg" == --show-bin-path ]]; then echo "$FAKE_SWIFT_BIN"; exit 0; fi
      if [[ "$previous" == --product ]]; then product="$arg"; fi
      if [[ "$arg" == --product=* ]]; then product="${arg#--product=}"; fi
      previous="$arg"
    done
    # Like the real one: a build of everything reaches the test-support targets.
    [[ -n "$product" ]] || { echo "error: no such module 'Testing'" >&2; exit 1; }
    mkdir -p "$FAKE_SWIFT_BIN"
    if [[ ! -e "$FAKE_SWIFT_BIN/$product" ]]; then
      cp "$FAKE_SWIFT_LINKED" "$FAKE_SWIFT_BIN/$product"
      echo "linked $product" >> "$FAKE_SWIFT_LOG"
    fi
    """#

    /// A copy of the two scripts with its own order file, and the stand-in swift.
    struct Sandbox {
        let root: URL
        var repo: URL { root.appendingPathComponent("repo") }
        var orderFile: URL { repo.appendingPathComponent("scripts/trtcd-symbol-order.txt") }
        var binDirectory: String { root.appendingPathComponent("bin").path }
        var log: URL { root.appendingPathComponent("swift.log") }

        init() throws {
            root = try BuiltProducts.temporaryDirectory("trtc-release-build")
            let scripts = root.appendingPathComponent("repo/scripts")
            try FileManager.default.createDirectory(at: scripts, withIntermediateDirectories: true)
            for script in ["release-build", "check-symbol-order"] {
                try FileManager.default.copyItem(at: BuiltProducts.repositoryRoot.appendingPathComponent("scripts/\(script)"),
                                                 to: scripts.appendingPathComponent(script))
            }
            let tools = root.appendingPathComponent("tools")
            try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: tools.appendingPathComponent("swift").path, contents: Data(fakeSwift.utf8),
                                           attributes: [.posixPermissions: 0o755])
            FileManager.default.createFile(atPath: log.path, contents: nil)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }

        func writeOrder(_ names: [String]) throws {
            try (names.joined(separator: "\n") + "\n").write(to: orderFile, atomically: true, encoding: .utf8)
        }

        func releaseBuild(_ arguments: [String] = []) async throws -> CommandRun {
            let path = root.appendingPathComponent("tools").path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            return try await CommandRun.run(repo.appendingPathComponent("scripts/release-build").path, arguments, environment: [
                "PATH": path, "FAKE_SWIFT_LOG": log.path, "FAKE_SWIFT_BIN": binDirectory,
                "FAKE_SWIFT_LINKED": BuiltProducts.executable("trtcctl").path,
            ])
        }

        /// The stand-in's record since the last call, one line per `swift` call or link.
        func takeLog() throws -> [String] {
            let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
            try Data().write(to: log)
            return lines
        }
    }

    /// `count` names of functions the built trtcctl defines (its symbol table, as nm prints it).
    static func definedFunctions(_ count: Int) async throws -> [String] {
        let nm = try await CommandRun.run("/usr/bin/env", ["nm", "-P", "--defined-only", BuiltProducts.executable("trtcctl").path])
        try #require(nm.status == 0, "\(nm.stderr)")
        let names = nm.stdout.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            return fields.count >= 2 && fields[1] == "T" ? String(fields[0]) : nil
        }
        try #require(names.count >= count, "trtcctl defines only \(names.count) functions")
        return Array(names.prefix(count))
    }

    static let missing = (1...10).map { "$s22NoLongerThereAfterEditsV\($0)" }

    @Test("no arguments: every product is built in release with the shipped flags, one --product at a time; then the order file is checked (90 % passes)")
    func everyProduct() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.writeOrder(try await Self.definedFunctions(9) + Self.missing.prefix(1))
        let run = try await sandbox.releaseBuild()
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("check-symbol-order: 9 of 10 listed symbols present (90.0%) in \(sandbox.binDirectory)/trtcd\n"), "\(run)")

        let calls = try sandbox.takeLog().filter { !$0.hasPrefix("linked ") }
        let builds = calls.filter { !$0.contains("--show-bin-path") }
        #expect(builds.map { $0.components(separatedBy: " --product ").last } == ["trtcd", "trtcctl", "trtc-server", "trtc-bench"], "\(calls)")
        for build in builds {
            #expect(build.hasPrefix("build -c release --static-swift-stdlib -Xswiftc -use-ld=lld"), "\(build)")
            #expect(build.contains("-Xlinker --symbol-ordering-file=\(sandbox.orderFile.path) -Xlinker --no-warn-symbol-ordering"), "\(build)")
        }
        for product in ["trtcd", "trtcctl", "trtc-server", "trtc-bench"] {
            #expect(FileManager.default.isExecutableFile(atPath: "\(sandbox.binDirectory)/\(product)"), "\(product)")
        }
    }

    @Test("a stale order file (below 90 % present) fails the build after every product was built, naming scripts/make-symbol-order")
    func staleOrderFile() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.writeOrder(try await Self.definedFunctions(89) + Self.missing.prefix(10) + ["$s1xAAA", ""])
        let run = try await sandbox.releaseBuild()
        #expect(run.status == 1, "\(run)")
        #expect(run.stdout.contains("check-symbol-order: 89 of 100 listed symbols present (89.0%)"), "\(run)")
        #expect(run.stderr.contains("Regenerate it with scripts/make-symbol-order"), "\(run)")
        // make-symbol-order runs trtcd and trtc-bench from the release build: both are there.
        #expect(try sandbox.takeLog().filter { $0.hasPrefix("linked ") } == ["linked trtcd", "linked trtcctl", "linked trtc-server", "linked trtc-bench"])
    }

    @Test("arguments that choose what to build or ask something go to one swift build as given; other options go to each product's")
    func argumentsAsGiven() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.writeOrder(try await Self.definedFunctions(10))

        let path = try await sandbox.releaseBuild(["--show-bin-path"])
        #expect(path.status == 0 && path.stdout == sandbox.binDirectory + "\n" && path.stderr.isEmpty, "\(path)")
        let pathCalls = try sandbox.takeLog()
        #expect(pathCalls.count == 1 && pathCalls[0].hasPrefix("build -c release ") && pathCalls[0].hasSuffix(" --show-bin-path"), "\(pathCalls)")

        let one = try await sandbox.releaseBuild(["--product", "trtcctl"])
        #expect(one.status == 0 && !one.stdout.contains("check-symbol-order"), "only a trtcd build is checked: \(one)")
        #expect(try sandbox.takeLog().filter { !$0.contains("--show-bin-path") && $0.hasPrefix("build ") }.map { $0.hasSuffix(" --product trtcctl") } == [true])

        let daemon = try await sandbox.releaseBuild(["--product=trtcd"])
        #expect(daemon.status == 0 && daemon.stdout.contains("10 of 10 listed symbols present (100.0%)"), "\(daemon)")
        _ = try sandbox.takeLog()

        let verbose = try await sandbox.releaseBuild(["-v"])
        #expect(verbose.status == 0, "\(verbose)")
        let builds = try sandbox.takeLog().filter { !$0.contains("--show-bin-path") && $0.hasPrefix("build ") }
        #expect(builds.count == 4 && builds.allSatisfy { $0.contains(" -v --product ") }, "\(builds)")
    }

    @Test("an order file newer than the built trtcd makes release-build relink trtcd (SwiftPM does not track the file)")
    func relinksAfterNewOrder() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.writeOrder(try await Self.definedFunctions(10))
        #expect(try await sandbox.releaseBuild().status == 0)
        let trtcd = "\(sandbox.binDirectory)/trtcd"
        // Built after the order file: left alone.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: sandbox.orderFile.path)
        _ = try sandbox.takeLog()
        #expect(try await sandbox.releaseBuild().status == 0)
        #expect(try sandbox.takeLog().filter { $0.hasPrefix("linked ") } == [])
        // The list changed afterwards (scripts/make-symbol-order): trtcd is linked again, nothing else.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: trtcd)
        let run = try await sandbox.releaseBuild()
        #expect(run.status == 0 && run.stdout.contains("trtcd-symbol-order.txt is newer than trtcd: relinking trtcd"), "\(run)")
        #expect(try sandbox.takeLog().filter { $0.hasPrefix("linked ") } == ["linked trtcd"])
    }

    @Test("check-symbol-order: usage errors, a stripped binary, a custom minimum")
    func checkSymbolOrder() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let script = sandbox.repo.appendingPathComponent("scripts/check-symbol-order").path
        let binary = BuiltProducts.executable("trtcctl").path
        try sandbox.writeOrder(try await Self.definedFunctions(5) + Self.missing.prefix(5))

        let half = try await CommandRun.run(script, [binary])
        #expect(half.status == 1 && half.stdout.contains("5 of 10 listed symbols present (50.0%)"), "\(half)")
        let lower = try await CommandRun.run(script, ["--min", "50", binary, sandbox.orderFile.path])
        #expect(lower.status == 0 && lower.stderr.isEmpty, "\(lower)")

        let stripped = sandbox.root.appendingPathComponent("stripped").path
        let strip = try await CommandRun.run("/usr/bin/env", ["strip", "-o", stripped, binary])
        try #require(strip.status == 0, "\(strip)")
        let noSymbols = try await CommandRun.run(script, [stripped])
        #expect(noSymbols.status == 1 && noSymbols.stderr.contains("has no symbol table"), "\(noSymbols)")

        #expect(try await CommandRun.run(script, []).status == 2)
        #expect(try await CommandRun.run(script, ["--min", "lots", binary]).status == 2)
        #expect(try await CommandRun.run(script, [sandbox.root.appendingPathComponent("absent").path]).status == 2)
    }
}
