extension Int {
    /// `10,000`.
    var grouped: String {
        let digits = String(Swift.abs(self))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (self < 0 ? "-" : "") + out
    }

    /// `123.4 MiB`.
    var mebibytes: String { (Double(self) / 1_048_576).decimal(digits: 1) + " MiB" }
}
