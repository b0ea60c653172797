import Foundation
import Synchronization
import TrtcCore
import TrtcHarness

/// A page in a headless Chromium (fake camera and microphone) in a network namespace with only loopback, driven
/// through the DevTools protocol by Scripts/chromium_page.py: JavaScript is evaluated in the page and its JSON
/// results come back; console lines are on `process`'s stdout as `console …`. The namespace reaches only the test's
/// trtc-server (its signaling port and media port, forwarded to the host's loopback by the script).
final class BrowserPage: Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/chromium_page.py")

    let process: ChildProcess
    private let commands: Int32
    private let fifo: URL
    private let nextId = Mutex<Int>(0)

    /// Opens `path` on `server` (waits until the page has loaded); `flags` go to Chromium as well. `mediaVia`: the
    /// host port the namespace's media port leads to instead of the server's (e.g. an `ImpairmentRelay` to it).
    init(server: ServerProcess, path: String, flags: [String] = [], mediaVia: Int? = nil) async throws {
        let mediaPort = try Self.mediaPort(of: server)
        let forwarded = ["--tcp", String(server.port), "--udp", mediaVia.map { "\(mediaPort):\($0)" } ?? String(mediaPort)]
        let directory = try BuiltProducts.temporaryDirectory("trtc-browser")
        fifo = directory.appendingPathComponent("commands")
        guard mkfifo(fifo.path, 0o600) == 0 else { throw ProcessFailure("mkfifo \(fifo.path): errno \(errno)") }
        process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                   ["python3", Self.script.path] + forwarded + [server.httpBase + path, fifo.path] + flags,
                                   name: "chromium_page.py")
        do {
            let ready = try await process.waitForLine(containing: "ready", timeout: .seconds(60))
            // Chromium must really be in a network namespace of its own, not the test's.
            let pid = ready.split(separator: " ").last.map(String.init) ?? ""
            let chromiumNet = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
            let ownNet = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
            guard chromiumNet != ownNet else { throw ProcessFailure("Chromium runs in the test's network namespace (\(ownNet))") }
        } catch {
            await process.stop()
            // e.g. "namespace-failed: not root": the tests need root for the namespace and say so.
            throw ProcessFailure("chromium_page.py did not open the page (\(error)): \(process.outputText.suffix(1000)) \(process.errorOutput.suffix(1000))")
        }
        // The script opens the FIFO for reading once the page is ready, so this does not block for long.
        commands = open(fifo.path, O_WRONLY | O_CLOEXEC)
        guard commands >= 0 else {
            await process.stop()
            throw ProcessFailure("open \(fifo.path): errno \(errno)")
        }
    }

    /// The server's media port, from its banner (`media       udp://127.0.0.1:PORT`).
    static func mediaPort(of server: ServerProcess) throws -> Int {
        guard let line = server.process.output.first(where: { $0.contains("udp://") }),
              let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw ProcessFailure("no media port in trtc-server's banner")
        }
        return port
    }

    /// Drops the browser's signaling connection: every TCP connection from the namespace to the server is reset
    /// (new ones still get through, so the SDK can reconnect). Returns how many there were.
    @discardableResult
    func cutSignaling() async throws -> Int {
        let cut = try await send(.object(["cutTcp": .bool(true)]))
        return Int(cut.doubleValue ?? 0)
    }

    /// Evaluates `expression` (a promise is awaited) and returns its value as JSON.
    @discardableResult
    func evaluate(_ expression: String, timeout: Duration = .seconds(30)) async throws -> JSONValue {
        try await send(.object(["expr": .string(expression)]), timeout: timeout)
    }

    @discardableResult
    private func send(_ command: JSONValue, timeout: Duration = .seconds(30)) async throws -> JSONValue {
        let id = nextId.withLock { $0 += 1; return $0 }
        guard case .object(var fields) = command else { throw ProcessFailure("a command is an object") }
        fields["id"] = .integer(Int64(id))
        let expression = JSONCoding.print(.object(fields))
        let line = expression + "\n"
        let written = line.utf8CString.withUnsafeBufferPointer { write(commands, $0.baseAddress, $0.count - 1) }
        guard written == line.utf8.count else { throw ProcessFailure("writing to the page's command FIFO failed") }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for output in process.output {
                if output.hasPrefix("result \(id) ") {
                    return try JSONCoding.parse(String(output.dropFirst("result \(id) ".count)), maxBytes: 1 << 20)
                }
                if output.hasPrefix("error \(id) ") {
                    throw ProcessFailure("page: \(output.dropFirst("error \(id) ".count))")
                }
            }
            guard process.isRunning else { throw ProcessFailure("chromium_page.py exited: \(process.outputText.suffix(2000)) \(process.errorOutput.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProcessFailure("page did not answer \(expression.prefix(80)) within \(timeout)")
    }

    /// Writes a PNG screenshot of the page to `file`.
    func screenshot(to file: URL) async throws {
        try await send(.object(["screenshot": .string(file.path)]))
    }

    /// Waits for a console line containing `text`.
    @discardableResult
    func waitForConsole(_ text: String, timeout: Duration = .seconds(20)) async throws -> String {
        try await process.waitForLine(containing: "console " + text, timeout: timeout)
    }

    /// Closes the page and Chromium (the script closes the browser when its command FIFO ends).
    func close() async {
        _ = Glibc.close(commands)
        if (try? await process.waitForExit(timeout: .seconds(10))) == nil { await process.stop() }
        try? FileManager.default.removeItem(at: fifo.deletingLastPathComponent())
    }
}

/// Runs `body` with a page at `path` on `server`, closed afterwards whatever happens.
func withBrowserPage<T: Sendable>(server: ServerProcess, path: String = "/demo", flags: [String] = [], mediaVia: Int? = nil,
                                  _ body: (BrowserPage) async throws -> T) async throws -> T {
    let page = try await BrowserPage(server: server, path: path, flags: flags, mediaVia: mediaVia)
    do {
        let result = try await body(page)
        await page.close()
        return result
    } catch {
        await page.close()
        throw error
    }
}

extension JSONValue {
    var objectValue: [String: JSONValue]? { if case .object(let fields) = self { fields } else { nil } }
    var arrayValue: [JSONValue]? { if case .array(let values) = self { values } else { nil } }
    var stringValue: String? { if case .string(let text) = self { text } else { nil } }
    var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }
}
