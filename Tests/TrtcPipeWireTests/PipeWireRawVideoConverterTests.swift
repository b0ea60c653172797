import Testing

import TrtcCodecs
@testable import TrtcPipeWire

/// Conversion of every accepted camera pixel layout to I420 (no PipeWire needed).
struct PipeWireRawVideoConverterTests {
    /// A 4×2 picture: left half pure red, right half pure white, in `format`'s layout.
    static func redWhitePicture(_ format: RawVideoPixelFormat) -> [[UInt8]] {
        let (width, height) = (4, 2)
        // BT.601 limited range: red = (81, 90, 240), white = (235, 128, 128).
        let red: (y: UInt8, u: UInt8, v: UInt8) = (81, 90, 240)
        let white: (y: UInt8, u: UInt8, v: UInt8) = (235, 128, 128)
        func isRed(_ column: Int) -> Bool { column < 2 }
        switch format.layout {
        case .planar420(let uFirst):
            let y = (0..<height).flatMap { _ in (0..<width).map { isRed($0) ? red.y : white.y } }
            let u: [UInt8] = [red.u, white.u]
            let v: [UInt8] = [red.v, white.v]
            return uFirst ? [y, u, v] : [y, v, u]
        case .semiPlanar420(let uFirst):
            let y = (0..<height).flatMap { _ in (0..<width).map { isRed($0) ? red.y : white.y } }
            let chroma: [UInt8] = uFirst ? [red.u, red.v, white.u, white.v] : [red.v, red.u, white.v, white.u]
            return [y, chroma]
        case .packed422(let y0, let u, let y1, let v):
            var bytes = [UInt8](repeating: 0, count: width / 2 * 4 * height)
            for row in 0..<height {
                for pair in 0..<(width / 2) {
                    let colour = isRed(pair * 2) ? red : white
                    let base = row * width * 2 + pair * 4
                    bytes[base + y0] = colour.y
                    bytes[base + y1] = colour.y
                    bytes[base + u] = colour.u
                    bytes[base + v] = colour.v
                }
            }
            return [bytes]
        case .packedRGB(let bytesPerPixel, let r, let g, let b):
            var bytes = [UInt8](repeating: 0x7f, count: width * bytesPerPixel * height)
            for row in 0..<height {
                for column in 0..<width {
                    let base = (row * width + column) * bytesPerPixel
                    bytes[base + r] = 255
                    bytes[base + g] = isRed(column) ? 0 : 255
                    bytes[base + b] = isRed(column) ? 0 : 255
                }
            }
            return [bytes]
        }
    }

    @Test(arguments: RawVideoPixelFormat.allCases)
    func convertsRedAndWhiteToBT601(_ format: RawVideoPixelFormat) throws {
        let planes = Self.redWhitePicture(format)
        let frame = try withPlanes(planes, strides: strides(format, width: 4)) { raw in
            try RawVideoConverter.makeI420(format: format, planes: raw, width: 4, height: 2, timestamp: .milliseconds(5))
        }
        #expect(frame.width == 4 && frame.height == 2)
        #expect(frame.timestamp == .milliseconds(5))
        for value in frame.y.enumerated() {
            let expected: UInt8 = value.offset % 4 < 2 ? 81 : 235
            #expect(abs(Int(value.element) - Int(expected)) <= 1, "\(format) Y[\(value.offset)] = \(value.element)")
        }
        #expect(abs(Int(frame.u[0]) - 90) <= 1 && abs(Int(frame.v[0]) - 240) <= 1, "\(format) red chroma \(frame.u[0]) \(frame.v[0])")
        #expect(abs(Int(frame.u[1]) - 128) <= 1 && abs(Int(frame.v[1]) - 128) <= 1, "\(format) white chroma \(frame.u[1]) \(frame.v[1])")
    }

    @Test func shortBufferIsAnErrorNotACrash() throws {
        let bytes = [UInt8](repeating: 0, count: 10)
        #expect(throws: FrameError.self) {
            try withPlanes([bytes], strides: [8]) { raw in
                try RawVideoConverter.makeI420(format: .yuy2, planes: raw, width: 4, height: 4, timestamp: .zero)
            }
        }
        #expect(throws: FrameError.self) {
            try withPlanes([bytes], strides: [2]) { raw in
                try RawVideoConverter.makeI420(format: .rgbx, planes: raw, width: 2, height: 1, timestamp: .zero)
            }
        }
        #expect(throws: FrameError.self) {
            try withPlanes([bytes], strides: [4]) { raw in
                try RawVideoConverter.makeI420(format: .i420, planes: raw, width: 2, height: 2, timestamp: .zero)
            }
        }
    }

    func strides(_ format: RawVideoPixelFormat, width: Int) -> [Int] {
        switch format.layout {
        case .planar420: [width, width / 2, width / 2]
        case .semiPlanar420: [width, width]
        case .packed422, .packedRGB: [format.minimumStride(width: width)]
        }
    }

    func withPlanes<Result>(_ planes: [[UInt8]], strides: [Int], _ body: ([RawVideoPlane]) throws -> Result) throws -> Result {
        var raw: [RawVideoPlane] = []
        var keep: [UnsafeMutableRawBufferPointer] = []
        defer { keep.forEach { $0.deallocate() } }
        for (plane, stride) in zip(planes, strides) {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: plane.count, alignment: 8)
            copy.copyBytes(from: plane)
            keep.append(copy)
            raw.append(RawVideoPlane(bytes: UnsafeRawBufferPointer(copy), stride: stride))
        }
        return try body(raw)
    }
}
