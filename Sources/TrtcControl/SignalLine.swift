import Foundation
import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// One line of `trtcctl monitor`: a signal of the room interface, or PropertiesChanged for it.
struct SignalLine {
    let name: String
    let arguments: [DBusValue]
    let time: Date

    /// nil for signals that are not trtcd's room signals (e.g. PropertiesChanged of another interface).
    init?(_ signal: DBusSignal, time: Date = Date()) {
        if signal.interface == DaemonClient.interface {
            name = signal.member
        } else if signal.interface == DaemonClient.propertiesInterface, signal.member == "PropertiesChanged",
            signal.arguments.first?.string == DaemonClient.interface
        {
            name = signal.member
        } else {
            return nil
        }
        arguments = signal.arguments
        self.time = time
    }

    /// UTC, millisecond precision, e.g. `2026-11-21T16:02:39.123Z`.
    var timestamp: String {
        time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `{"args":[0],"signal":"ExitRoom","time":"…"}`
    var json: String {
        JSONCoding.print(.object([
            "signal": .string(name), "args": .array(arguments.map(\.jsonValue)), "time": .string(timestamp),
        ]))
    }

    /// `2026-11-21T16:02:39.123Z RemoteUserLeaveRoom bob 0`; PropertiesChanged shows `Name=value …`.
    var text: String {
        var words = [timestamp, name]
        if name == "PropertiesChanged", arguments.count == 3 {
            words.append(arguments[1].plainText)
            if let invalidated = arguments[2].stringArray, !invalidated.isEmpty {
                words.append("invalidated=" + arguments[2].plainText)
            }
        } else if name == "Statistics", let values = arguments.first?.stringKeyedDictionary,
                  let statistics = try? RoomStatistics(values) {
            words.append(StatisticsText.line(statistics))
        } else {
            words += arguments.map(\.plainText)
        }
        return words.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
