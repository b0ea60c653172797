extension Double {
    /// Fixed-point text with `digits` decimals, without Foundation's locale-dependent formatting.
    func decimal(digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((self * scale).rounded())
        let whole = scaled / Int64(scale)
        guard digits > 0 else { return String(whole) }
        var fraction = String(abs(scaled) % Int64(scale))
        while fraction.count < digits { fraction = "0" + fraction }
        return (scaled < 0 && whole == 0 ? "-" : "") + "\(whole).\(fraction)"
    }
}
