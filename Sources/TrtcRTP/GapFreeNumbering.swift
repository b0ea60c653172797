/// Renumbers a stream of wrapping counters (RTP sequence numbers, VP8 PictureIDs) from which a forwarder drops some
/// values, so the receiver sees no gap where nothing was lost: a gap would be NACKed, or taken for a missing frame.
/// Gaps the forwarder did not make (loss before it) stay gaps, so the receiver still asks for those.
///
/// Output = input − (values dropped before it). Only values newer than every value seen may be dropped: dropping
/// an older one would renumber what was already sent (mediasoup's `SeqManager` has the same rule). A value not
/// dropped is forwarded under the same output whenever it comes again (retransmissions, duplicates).
public struct GapFreeNumbering: Sendable, Equatable {
    /// Width of the counter: 16 for sequence numbers, 15 or 7 for PictureIDs.
    public let bits: Int
    /// How far back (in input values) drops are remembered; older inputs are not forwarded.
    public let window: Int64
    private var highestInput: Int64?
    /// Dropped inputs (unwrapped), ascending, all within `window` of `highestInput`.
    private var dropped: [Int64] = []
    /// How many dropped inputs were older than the window when forgotten.
    private var forgottenDrops: Int64 = 0
    private var oldestRemembered: Int64 = .min

    public init(bits: Int, window: Int64? = nil) {
        precondition((2...16).contains(bits))
        self.bits = bits
        self.window = window ?? Int64(1) << (bits - 2)
    }

    private var modulus: Int64 { Int64(1) << bits }

    /// The input on the unwrapped axis: the value nearest to the highest seen.
    private func unwrap(_ value: UInt16) -> Int64 {
        let value = Int64(value) & (modulus - 1)
        guard let highestInput else { return value + modulus }  // room below the first value for reordering
        var delta = (value - highestInput) & (modulus - 1)
        if delta >= modulus / 2 { delta -= modulus }
        return highestInput + delta
    }

    private func wrap(_ value: Int64) -> UInt16 { UInt16(truncatingIfNeeded: value & (modulus - 1)) }

    /// Dropped inputs below `input` (unwrapped), forgotten ones included.
    private func droppedBefore(_ input: Int64) -> Int64 {
        var low = 0, high = dropped.count
        while low < high {
            let middle = (low + high) / 2
            if dropped[middle] < input { low = middle + 1 } else { high = middle }
        }
        return Int64(low) + forgottenDrops
    }

    private func isDropped(_ input: Int64) -> Bool {
        let index = droppedBefore(input) - forgottenDrops
        return index < dropped.count && dropped[Int(index)] == input
    }

    /// Is `value` newer than every value seen (or the first)?
    public func isNewest(_ value: UInt16) -> Bool {
        guard let highestInput else { return true }
        return unwrap(value) > highestInput
    }

    /// Was `value` dropped (and is it still remembered)?
    public func wasDropped(_ value: UInt16) -> Bool { isDropped(unwrap(value)) }

    /// The output for `value`, which is forwarded; nil when it is too old to number, or was dropped.
    public mutating func forward(_ value: UInt16) -> UInt16? {
        let input = unwrap(value)
        if let highestInput {
            guard input > highestInput - window, input >= oldestRemembered else { return nil }
            if input > highestInput { advance(to: input) }
        } else {
            advance(to: input)
        }
        if isDropped(input) { return nil }
        return wrap(input - droppedBefore(input))
    }

    /// Drops `value`. Only a value newer than all seen can be dropped without renumbering what was sent: for an older
    /// one nothing changes and false is returned (unless it was dropped already); the caller then discards it, and
    /// the receiver may see (and ask for) that one number.
    @discardableResult
    public mutating func drop(_ value: UInt16) -> Bool {
        let input = unwrap(value)
        if let highestInput, input <= highestInput { return isDropped(input) }
        advance(to: input)
        dropped.append(input)
        return true
    }

    /// The input that was (or would be) forwarded as `output`: for a receiver's NACK.
    public func input(forOutput output: UInt16) -> UInt16? {
        guard let highestInput else { return nil }
        let highestOutput = highestInput - droppedBefore(highestInput + 1)
        var delta = (Int64(output) - highestOutput) & (modulus - 1)
        if delta >= modulus / 2 { delta -= modulus }
        var input = highestOutput + delta + forgottenDrops
        for value in dropped {
            if value <= input { input += 1 } else { break }
        }
        guard input > highestInput - window, input >= oldestRemembered else { return nil }
        return wrap(input)
    }

    private mutating func advance(to input: Int64) {
        highestInput = input
        let oldest = input - window
        if oldestRemembered < oldest { oldestRemembered = oldest }
        var forget = 0
        while forget < dropped.count, dropped[forget] < oldest { forget += 1 }
        if forget > 0 {
            dropped.removeFirst(forget)
            forgottenDrops += Int64(forget)
        }
    }
}
