import CZlib

/// zlib one-shot compression, and decompression bounded in both input and output because its input comes off the network.
enum Zlib {
    enum InflateFailure: Error, Equatable {
        /// The output would exceed the limit.
        case tooLarge
        /// Not a complete zlib stream; zlib's return code.
        case corrupt(Int32)
    }

    /// `compress2` at zlib's default level (6), the same bytes Python's `zlib.compress(data)` gives.
    static func compress(_ input: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(compressBound(uLong(input.count))))
        var outputCount = uLongf(output.count)
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                compress2(out.baseAddress, &outputCount, source.baseAddress, uLong(input.count), Z_DEFAULT_COMPRESSION)
            }
        }
        // compressBound guarantees room and the level is valid, so only allocation could fail.
        precondition(status == Z_OK, "compress2 failed with \(status)")
        return Array(output.prefix(Int(outputCount)))
    }

    /// Inflates one complete zlib stream into at most `maximumOutput` bytes. Returns the output and how many input
    /// bytes the stream used (callers decide whether trailing bytes are acceptable).
    static func inflate(_ input: [UInt8], maximumOutput: Int) -> Result<(output: [UInt8], consumed: Int), InflateFailure> {
        // One spare byte so that "exactly full" and "would overflow" are told apart.
        var output = [UInt8](repeating: 0, count: maximumOutput + 1)
        var outputCount = uLongf(output.count)
        var consumed = uLong(input.count)
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                uncompress2(out.baseAddress, &outputCount, source.baseAddress, &consumed)
            }
        }
        switch status {
        case Z_OK where Int(outputCount) <= maximumOutput:
            return .success((Array(output.prefix(Int(outputCount))), Int(consumed)))
        case Z_OK, Z_BUF_ERROR:
            return .failure(.tooLarge)
        default:
            return .failure(.corrupt(status))
        }
    }
}
