import TrtcHarness

extension ResidentMemory {
    var summary: String { "\(resident.mebibytes) (anonymous \(anonymous.mebibytes), PSS \(proportional.mebibytes))" }
}
