import Foundation
import Testing
import TrtcTestSupport

/// Watches one trtcd of a media room leave it: PipeWire's registry as `pw-cli -m` prints it and trtcd's room signals as
/// `dbus-monitor` prints them on its bus, both read line by line into one `ArrivalLog`. Whether trtcd released its
/// capture streams before it said `ExitRoom` is then the order of two lines in that log, not the result of a poll
/// some milliseconds after the signal (by which time anything may have been released, even by PipeWire cleaning up
/// after a client that exited).
struct ReleaseOrder {
    let log: ArrivalLog
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
    /// member `index` must exist. PipeWire's side is `pw-cli --monitor` (line-buffered by stdbuf), which prints each
    /// global added or removed from then on without asking anything back (pw-mon enumerates every changed object's
    /// parameters before printing on, and falls milliseconds behind exactly when streams are torn down).
    static func watch(_ room: MediaRoom, member index: Int, captureStreams count: Int) async throws -> ReleaseOrder {
        let log = ArrivalLog()
        do {
            try log.follow("pipewire", ["stdbuf", "-oL", "pw-cli", "--monitor"], environment: room.pipeWire.childEnvironment)
            try log.follow("dbus", ["dbus-monitor", "--address", room.buses[index].address,
                                    "type='signal',path='/org/trtcd/Trtc1',interface='org.trtcd.Trtc1.Room'"],
                           environment: ProcessInfo.processInfo.environment)
            // dbus-monitor loses its own name once it has become a monitor: from then on it sees every signal.
            try await log.waitUntil("dbus-monitor listening") { log in
                log.lines(of: "dbus").contains { $0.text.hasSuffix("member=NameLost") }
            }
            // pw-cli prints globals added after its first registry round trip; it is listening once it reports a
            // client that connected after it (a short pw-cli run of our own, repeated until reported).
            let deadline = ContinuousClock.now + .seconds(10)
            while !log.lines(of: "pipewire").contains(where: { $0.text.contains("added global:") }) {
                guard ContinuousClock.now < deadline else { throw MediaTestFailure("pw-cli --monitor reported nothing: \(log.lines)") }
                try room.pipeWire.run(["pw-cli", "info", "0"])
                try await Task.sleep(for: .milliseconds(50))
            }
            let streams = try Self.captureStreams(of: room.daemons[index].process.pid, in: room.pipeWire)
            guard streams.count == count else {
                throw MediaTestFailure("trtcd has \(streams.count) capture streams in PipeWire, not \(count)")
            }
            return ReleaseOrder(log: log, captureStreams: streams)
        } catch {
            log.stop()
            throw error
        }
    }

    func stop() { log.stop() }

    /// The `Stream/Input/…` nodes of the PipeWire client of process `pid`, from pw-dump (retried: 0.3.65 sometimes
    /// prints malformed JSON while objects come and go).
    static func captureStreams(of pid: Int32, in pipeWire: MediaPipeWire) throws -> [Int] {
        for _ in 0..<3 {
            guard let objects = (try? JSONSerialization.jsonObject(with: Data(try pipeWire.run(["pw-dump"]).output.utf8))) as? [[String: Any]]
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
        throw MediaTestFailure("pw-dump printed malformed JSON three times")
    }

    /// pw-cli's monitor lines: `remote 0 added global: \tid N, type T/V` or `… removed global: …`, each followed by
    /// the global's properties as ` \t\tkey = "value"`.
    func registryEvents() -> [RegistryEvent] {
        var events: [RegistryEvent] = []
        for line in log.lines(of: "pipewire") {
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
        let lines = log.lines(of: "dbus")
        for (position, line) in lines.enumerated().dropLast() where line.text.hasSuffix("; member=\(member)") {
            if lines[position + 1].text.trimmingCharacters(in: .whitespaces) == argument { return line.index }
        }
        return nil
    }

    /// Waits for `ExitRoom(reason)` on trtcd's bus and for the removal of every capture stream, and expects each
    /// removal read before the signal.
    func expectReleasedBeforeExitRoom(_ reason: Int32, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await log.waitUntil("ExitRoom(\(reason)) on trtcd's bus") { _ in signal("ExitRoom", "int32 \(reason)") != nil }
        try await log.waitUntil("the removal of trtcd's capture streams \(captureStreams) in PipeWire") { _ in
            captureStreams.allSatisfy { removal(of: $0) != nil }
        }
        let signalled = signal("ExitRoom", "int32 \(reason)")!
        let lines = log.lines
        for id in captureStreams {
            let removed = removal(of: id)!
            #expect(removed < signalled,
                    "capture stream \(id) removed \(lines[removed].time - lines[signalled].time) after ExitRoom(\(reason)) arrived",
                    sourceLocation: sourceLocation)
        }
    }
}
