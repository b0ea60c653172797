extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// `1.23 ms`.
    var formattedMilliseconds: String {
        let value = milliseconds
        let digits = value < 10 ? 2 : (value < 100 ? 1 : 0)
        return value.decimal(digits: digits) + " ms"
    }
}
