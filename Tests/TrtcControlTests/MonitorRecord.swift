import TrtcCore
import TrtcHarnessTesting

/// One line of `trtcctl monitor --json`, parsed.
struct MonitorRecord: Equatable, CustomStringConvertible {
    let signal: String
    let args: [JSONValue]
    let time: String

    init(line: String) throws {
        guard case .object(let fields) = try JSONCoding.parse(line), case .string(let signal)? = fields["signal"],
              case .array(let args)? = fields["args"], case .string(let time)? = fields["time"], fields.count == 3
        else { throw TestFailure("not a monitor record: \(line)") }
        self.signal = signal
        self.args = args
        self.time = time
    }

    /// For PropertiesChanged of the room interface: the changed properties.
    var changed: [String: JSONValue]? {
        guard signal == "PropertiesChanged", args.count == 3, case .object(let changed) = args[1] else { return nil }
        return changed
    }

    var description: String { "\(signal)\(args)" }
}
