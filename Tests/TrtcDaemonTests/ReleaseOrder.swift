import Foundation
import Testing
import TrtcHarness
import TrtcHarnessTesting

/// Watches one trtcd of a media room leave it, and decides exactly whether it had released its capture streams in
/// PipeWire when it said `ExitRoom(reason)`.
///
/// `pw-cli --monitor` (PipeWire's registry: every global added or removed) and `dbus-monitor` (trtcd's room signals on
/// its bus) write into the one pipe of an `ArrivalLog`, which keeps the order of their writes. The moment the
/// `ExitRoom` line is read, trtcd is stopped (SIGSTOP, on the reading thread): from then on nothing it does - releasing
/// late, or exiting so that PipeWire cleans up after it - can change what PipeWire has. Then a marker client connects
/// to PipeWire (a short `pw-cli info 0`), and PipeWire announces it to the monitor after every removal it processed
/// before: a capture stream whose removal the monitor printed before the marker was gone when trtcd was stopped, that
/// is at most the signal's trip through the bus and the pipe after trtcd sent it. A stream removed after the marker was
/// still there after the signal. (The raw order of the removal and the signal in the log is no verdict: two monitors
/// in two processes print with their own delays, and pw-cli sometimes prints a removal trtcd correctly waited for
/// after dbus-monitor printed the signal that followed it.) trtcd is resumed (SIGCONT) once the marker is seen.
struct ReleaseOrder {
    let log: ArrivalLog
    let daemonPid: Int32
    /// trtcd's capture streams (`Stream/Input/…` nodes of its PipeWire client) when the watch began.
    let captureStreams: [Int]

    /// One registry event of `pw-cli -m`: a global `added` or `removed`, with its type and properties.
    struct RegistryEvent {
        let kind: String
        let id: Int
        /// Index in the log of the line naming the event.
        let index: Int
        var type = ""
        var properties: [String: String] = [:]
    }

    /// Starts both monitors and returns once both are listening; `captureStreams` capture streams of the trtcd of
    /// member `index` must exist. pw-cli's monitor mode prints each global added or removed without asking anything
    /// back (pw-mon enumerates every changed object's parameters before printing on, and falls behind exactly when
    /// streams are torn down).
    static func watch(_ room: MediaRoom, member index: Int, captureStreams count: Int) async throws -> ReleaseOrder {
        let log = ArrivalLog()
        let pid = room.daemons[index].process.pid
        do {
            // pw-cli writes each line at once (stdbuf -oL), dbus-monitor each message at once (it flushes per message).
            try log.start(["stdbuf", "-oL", "pw-cli", "--monitor"], environment: room.pipeWire.childEnvironment)
            try log.start(["dbus-monitor", "--address", room.buses[index].address,
                           "type='signal',path='/org/trtcd/Trtc1',interface='org.trtcd.Trtc1.Room'"],
                          environment: ProcessInfo.processInfo.environment)
            // dbus-monitor loses its own name once it has become a monitor: from then on it sees every signal.
            try await log.waitUntil("dbus-monitor listening") { log in log.lines.contains { $0.text.hasSuffix("member=NameLost") } }
            // pw-cli prints globals added after its first registry round trip; it is listening once it reports a
            // client that connected after it (a short pw-cli run of our own, repeated until reported).
            let deadline = ContinuousClock.now + .seconds(10)
            while !log.lines.contains(where: { $0.text.contains("added global:") }) {
                guard ContinuousClock.now < deadline else { throw TestFailure("pw-cli --monitor reported nothing: \(log.lines)") }
                try room.pipeWire.run("pw-cli", ["info", "0"])
                try await Task.sleep(for: .milliseconds(50))
            }
            let streams = try Self.captureStreams(of: pid, in: room.pipeWire)
            guard streams.count == count else {
                throw TestFailure("trtcd has \(streams.count) capture streams in PipeWire, not \(count)")
            }
            log.onFirstLine(where: { $0.hasPrefix("signal ") && $0.hasSuffix("; member=ExitRoom") }) { kill(pid, SIGSTOP) }
            return ReleaseOrder(log: log, daemonPid: pid, captureStreams: streams)
        } catch {
            log.stop()
            throw error
        }
    }

    /// Stops the monitors; trtcd runs on in any case.
    func stop() {
        log.stop()
        kill(daemonPid, SIGCONT)
    }

    /// The `Stream/Input/…` nodes of the PipeWire client of process `pid`, from pw-dump (retried: 0.3.65 sometimes
    /// prints malformed JSON while objects come and go).
    static func captureStreams(of pid: Int32, in pipeWire: PipeWireTestEnvironment) throws -> [Int] {
        for _ in 0..<3 {
            guard let objects = (try? JSONSerialization.jsonObject(with: Data(try pipeWire.run("pw-dump", []).stdout.utf8))) as? [[String: Any]]
            else { continue }
            func props(_ object: [String: Any]) -> [String: Any] { (object["info"] as? [String: Any])?["props"] as? [String: Any] ?? [:] }
            let clients = Set(objects.filter { object in
                object["type"] as? String == "PipeWire:Interface:Client" && props(object)["pipewire.sec.pid"].map { "\($0)" } == String(pid)
            }.compactMap { $0["id"] as? Int })
            return objects.filter { object in
                object["type"] as? String == "PipeWire:Interface:Node" && (props(object)["media.class"] as? String ?? "").hasPrefix("Stream/Input")
                    && (props(object)["client.id"] as? Int).map(clients.contains) == true
            }.compactMap { $0["id"] as? Int }.sorted()
        }
        throw TestFailure("pw-dump printed malformed JSON three times")
    }

    /// pw-cli's monitor lines: `remote 0 added global: \tid N, type T/V` or `… removed global: …`, each followed by
    /// the global's properties as ` \t\tkey = "value"`.
    func registryEvents() -> [RegistryEvent] {
        var events: [RegistryEvent] = []
        for line in log.lines {
            let text = line.text
            if let match = text.firstMatch(of: /(added|removed) global: \tid (\d+), type (\S+)/), let id = Int(match.2) {
                events.append(RegistryEvent(kind: String(match.1), id: id, index: line.index, type: String(match.3)))
            } else if !events.isEmpty, text.hasPrefix(" \t\t"), let equals = text.range(of: " = ") {
                let key = String(text[text.index(text.startIndex, offsetBy: 3)..<equals.lowerBound])
                let value = text[equals.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                events[events.count - 1].properties[key] = value
            }
        }
        return events
    }

    /// Index in the log of the line that said node `id` was removed (ids are reused only after a removal, and the
    /// monitor started while the node existed: the first removal is that node's).
    func removal(of id: Int) -> Int? {
        registryEvents().first { $0.kind == "removed" && $0.id == id && $0.type.hasPrefix("PipeWire:Interface:Node") }?.index
    }

    /// Index in the log of the first signal `member` with the single argument `argument` (as dbus-monitor prints
    /// it, e.g. `int32 0`).
    func signal(_ member: String, _ argument: String) -> Int? {
        // dbus-monitor prints a header line, then each argument indented by three spaces (pw-cli's lines never start
        // so); pw-cli's lines may come in between.
        let lines = log.lines
        for line in lines where line.text.hasPrefix("signal ") && line.text.hasSuffix("; member=\(member)") {
            guard let first = lines[(line.index + 1)...].first(where: { $0.text.hasPrefix("   ") || $0.text.hasPrefix("signal ") }) else { continue }
            if first.text.trimmingCharacters(in: .whitespaces) == argument { return line.index }
        }
        return nil
    }

    /// Waits for `ExitRoom(reason)` on trtcd's bus (trtcd is stopped when it is read), connects the marker client, and
    /// expects every capture stream's removal printed before the marker. Resumes trtcd.
    func expectReleasedBeforeExitRoom(_ reason: Int32, in pipeWire: PipeWireTestEnvironment, sourceLocation: SourceLocation = #_sourceLocation)
        async throws {
        defer { kill(daemonPid, SIGCONT) }
        try await log.waitUntil("ExitRoom(\(reason)) on trtcd's bus") { _ in signal("ExitRoom", "int32 \(reason)") != nil }
        let signalled = signal("ExitRoom", "int32 \(reason)")!
        try pipeWire.run("pw-cli", ["info", "0"])
        try await log.waitUntil("the marker client in pw-cli's output") { _ in marker(after: signalled) != nil }
        let markerLine = marker(after: signalled)!
        kill(daemonPid, SIGCONT)
        // Streams trtcd kept are removed later (when it releases them after all, or exits): waited for, to report.
        try await log.waitUntil("the removal of trtcd's capture streams \(captureStreams) in PipeWire") { _ in
            captureStreams.allSatisfy { removal(of: $0) != nil }
        }
        for id in captureStreams {
            let removed = removal(of: id)!
            #expect(removed < markerLine,
                    "capture stream \(id) was still in PipeWire after ExitRoom(\(reason)) (log lines: removal \(removed), signal \(signalled), marker \(markerLine))",
                    sourceLocation: sourceLocation)
        }
    }

    /// Index in the log of the first client PipeWire announced after line `index`: the marker (nothing else connects).
    func marker(after index: Int) -> Int? {
        registryEvents().first { $0.kind == "added" && $0.index > index && $0.type.hasPrefix("PipeWire:Interface:Client") }?.index
    }
}
