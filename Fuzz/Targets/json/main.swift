// JSONCoding.parse, the reader of every signaling message and server API body: no input may trap, and whatever
// parses prints back to text that parses to the same value.
import FuzzSupport
import TrtcCore

fuzz { bytes in
    guard let value = try? JSONCoding.parse(bytes) else { return }
    let printed = JSONCoding.print(value)
    guard let again = try? JSONCoding.parse(printed, maxBytes: .max) else {
        fatalError("printed JSON does not parse: \(printed.prefix(200))")
    }
    fuzzExpect(again == value, "printed JSON reads back differently: \(printed.prefix(200))")
}
