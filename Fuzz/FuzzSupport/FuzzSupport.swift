import CLibFuzzer
#if canImport(Glibc)
import Glibc
#endif

/// What a harness runs on every input: the bytes are valid only during the call.
public typealias FuzzBody = (UnsafeRawBufferPointer) -> Void

nonisolated(unsafe) private var fuzzBody: FuzzBody?

/// A harness's whole `main.swift` is `fuzz { bytes in … }`: libFuzzer's driver, with the process's arguments,
/// calls the body for every input until a crash, a timeout or `-max_total_time`. The body must not throw away
/// a trap: a Swift runtime trap (index out of range, overflow, `fatalError`) is the crash libFuzzer reports.
/// SwiftPM names an executable's entry point itself, so this is the `main` and libFuzzer's own is not linked.
public func fuzz(_ body: @escaping FuzzBody) -> Never {
    fuzzBody = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzBody?(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
    exit(status)
}

/// Fails the run (a crash libFuzzer records) when an invariant a harness checks does not hold.
public func fuzzExpect(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                       file: StaticString = #filePath, line: UInt = #line) {
    if !condition() { fatalError("invariant broken: \(message())", file: file, line: line) }
}

/// Reads structured values off the front of an input, for harnesses that build several messages from one input.
/// Past the end every read gives zeros and empty arrays, so any input is a valid sequence of reads.
public struct FuzzReader {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = Array(bytes)
    }

    public var isAtEnd: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    public mutating func uint32() -> UInt32 { UInt32(uint16()) << 16 | UInt32(uint16()) }

    /// Up to `count` bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + max(0, count))
        defer { position = max(position, end) }
        return position < end ? Array(bytes[position..<end]) : []
    }

    /// A chunk whose length is the next byte (0–255).
    public mutating func chunk() -> [UInt8] { bytes(Int(byte())) }

    /// What is left.
    public mutating func rest() -> [UInt8] { bytes(bytes.count - position) }
}
