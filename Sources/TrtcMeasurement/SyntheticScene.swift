import TrtcCodecs

/// Deterministic moving pictures that an encoder treats like a camera's: a textured room (smooth value-noise
/// texture, a lighting gradient, a bright window, a bookshelf of vertical edges) that the camera pans slowly
/// across, a person (head and striped shirt) swaying in front of it, and a shaded, textured ball bouncing around.
/// No random noise: every pixel is a function of the frame id, so a receiver can rebuild the picture that was sent
/// for any frame id it reads (`FrameStamp`) and compare (PSNR).
///
/// Building a scene precomputes the background and the texture (once per size); `picture(_:)` then copies the
/// panned background and draws the moving objects (about a millisecond at 1280×720 in a release build).
public struct SyntheticScene: Sendable {
    public let width: Int
    public let height: Int
    /// How far the camera pans (luma pixels), back and forth.
    let panRange: Int
    let backgroundWidth: Int
    let backgroundY: [UInt8]
    let backgroundU: [UInt8]
    let backgroundV: [UInt8]
    /// 256×256 texture (0…63) for the objects.
    let texture: [UInt8]

    /// - Throws: `FrameError.invalidSize` for odd or out-of-range sizes (16…4096, even).
    public init(width: Int, height: Int) throws(FrameError) {
        guard (16...4096).contains(width), (16...4096).contains(height), width % 2 == 0, height % 2 == 0 else {
            throw .invalidSize(width: width, height: height)
        }
        self.width = width
        self.height = height
        panRange = max(8, width / 8 / 2 * 2)
        backgroundWidth = width + panRange
        (backgroundY, backgroundU, backgroundV) = Self.room(width: backgroundWidth, height: height)
        texture = Self.makeTexture()
    }

    /// The picture of frame `frameId` (no stamp), tightly packed, with `timestamp`.
    public func picture(_ frameId: UInt32, timestamp: Duration = .zero) -> I420Frame {
        let i = Int(frameId)
        let chromaWidth = width / 2
        let chromaHeight = height / 2
        var y = [UInt8](repeating: 0, count: width * height)
        var u = [UInt8](repeating: 0, count: chromaWidth * chromaHeight)
        var v = [UInt8](repeating: 0, count: chromaWidth * chromaHeight)
        // The camera pans by half a pixel per frame, back and forth (15 pixels per second at 30 fps): on odd steps
        // each pixel is the mean of two neighbours, as a real camera's sub-pixel motion blends them. The exposure
        // drifts slowly (±3 levels over 8 s), as a camera's automatic exposure does.
        let step = Self.triangle(i, 2 * panRange)
        let pan = step / 2
        let half = step % 2 == 1
        let exposure = Self.triangle(i, 120) / 20 - 3
        y.withUnsafeMutableBufferPointer { luma in
            backgroundY.withUnsafeBufferPointer { background in
                for row in 0..<height {
                    let from = background.baseAddress! + row * backgroundWidth + pan
                    let to = luma.baseAddress! + row * width
                    if half || exposure != 0 {
                        let next = half ? 1 : 0
                        for column in 0..<width {
                            let value = (Int(from[column]) + Int(from[column + next]) + 1) / 2 + exposure
                            to[column] = UInt8(clamping: value)
                        }
                    } else {
                        UnsafeMutableRawPointer(to).copyMemory(from: from, byteCount: width)
                    }
                }
            }
        }
        for (plane, background) in [(0, backgroundU), (1, backgroundV)] {
            func copy(_ chroma: inout [UInt8]) {
                chroma.withUnsafeMutableBufferPointer { target in
                    background.withUnsafeBufferPointer { source in
                        for row in 0..<chromaHeight {
                            UnsafeMutableRawPointer(target.baseAddress! + row * chromaWidth)
                                .copyMemory(from: source.baseAddress! + row * (backgroundWidth / 2) + pan / 2, byteCount: chromaWidth)
                        }
                    }
                }
            }
            if plane == 0 { copy(&u) } else { copy(&v) }
        }
        drawPerson(frame: i, y: &y, u: &u, v: &v)
        drawBall(frame: i, y: &y, u: &u, v: &v)
        return try! I420Frame(width: width, height: height, y: y, strideY: width, u: u, strideU: chromaWidth,
                              v: v, strideV: chromaWidth, timestamp: timestamp)
    }

    /// The picture of `stamp.frameId` with the stamp written in: what the synthetic camera sends.
    public func stampedPicture(_ stamp: FrameStamp, timestamp: Duration = .zero) throws(FrameError) -> I420Frame {
        var frame = picture(stamp.frameId, timestamp: timestamp)
        try stamp.write(into: &frame)
        return frame
    }

    // MARK: moving objects

    /// A person in the middle: a head (ellipse) over a shirt with horizontal stripes, swaying sideways by one pixel
    /// per frame and bobbing slowly.
    private func drawPerson(frame i: Int, y: inout [UInt8], u: inout [UInt8], v: inout [UInt8]) {
        let sway = max(4, width / 16)
        let centerX = width / 2 + Self.triangle(i, 2 * sway) - sway
        let headRadiusX = max(4, width / 12)
        let headRadiusY = max(4, height / 7)
        let headY = height / 2 - height / 10 + Self.triangle(i / 3, 8) - 4
        let shoulders = headY + headRadiusY - headRadiusY / 5
        let torsoHalf = max(6, width / 7)
        /// Half the person's width in `row`: head and torso, -1 where the row misses it.
        func halfWidths(_ row: Int) -> (head: Int, torso: Int) {
            let dy = row - headY
            var head = -1
            if abs(dy) <= headRadiusY {
                // x²/rx² + y²/ry² ≤ 1 → |x| ≤ rx·√(1 − y²/ry²)
                let fraction = 1 - Double(dy * dy) / Double(headRadiusY * headRadiusY)
                head = Int(Double(headRadiusX) * fraction.squareRoot())
            }
            // Shoulders round off over the first rows of the torso.
            let intoTorso = row - shoulders
            return (head, intoTorso >= 0 ? min(torsoHalf, torsoHalf / 2 + intoTorso) : -1)
        }
        let (w, h) = (width, height)
        texture.withUnsafeBufferPointer { tex in
            y.withUnsafeMutableBufferPointer { luma in
                let top = max(0, headY - headRadiusY)
                for row in top..<h {
                    let (headHalf, torso) = halfWidths(row)
                    let half = max(headHalf, torso)
                    guard half >= 0 else { continue }
                    let isHead = headHalf >= torso
                    for column in max(0, centerX - half)...min(w - 1, centerX + half) {
                        let t = Int(tex[((row - headY) & 255) << 8 | ((column - centerX) & 255)])
                        let value: Int
                        if isHead {
                            value = 150 + t / 4 - abs(column - centerX) * 30 / max(1, headHalf + 1)
                        } else {
                            let stripe = ((row - shoulders) / max(4, h / 40)) & 1 == 0 ? 70 : 110
                            value = stripe + t / 3
                        }
                        luma[row * w + column] = UInt8(clamping: value)
                    }
                }
            }
        }
        // Chroma: skin for the head, blue for the shirt.
        let chromaWidth = width / 2
        for row in stride(from: max(0, headY - headRadiusY) & ~1, to: height, by: 2) {
            let (headHalf, torso) = halfWidths(row)
            let half = max(headHalf, torso)
            guard half >= 0 else { continue }
            let (cu, cv): (UInt8, UInt8) = headHalf >= torso ? (112, 152) : (150, 108)
            let first = max(0, (centerX - half + 1) / 2)
            let last = min(chromaWidth - 1, (centerX + half) / 2)
            guard first <= last else { continue }
            for column in first...last {
                u[row / 2 * chromaWidth + column] = cu
                v[row / 2 * chromaWidth + column] = cv
            }
        }
    }

    /// A shaded ball with its own texture (which moves with it), bouncing off the edges.
    private func drawBall(frame i: Int, y: inout [UInt8], u: inout [UInt8], v: inout [UInt8]) {
        let radius = max(4, height / 9)
        let centerX = radius + Self.triangle(i * 5, max(1, width - 2 * radius))
        let centerY = radius + Self.triangle(i * 3, max(1, height - 2 * radius))
        let r2 = radius * radius
        let (w, h) = (width, height)
        texture.withUnsafeBufferPointer { tex in
            y.withUnsafeMutableBufferPointer { luma in
                for row in max(0, centerY - radius)...min(h - 1, centerY + radius) {
                    let dy = row - centerY
                    for column in max(0, centerX - radius)...min(w - 1, centerX + radius) {
                        let dx = column - centerX
                        let d2 = dx * dx + dy * dy
                        guard d2 <= r2 else { continue }
                        // Lit from the top left; the texture turns with the ball's travel.
                        let light = 200 - (d2 * 90) / r2 - (dx + dy) * 25 / radius
                        let t = Int(tex[((dy + i * 2) & 255) << 8 | ((dx + i * 3) & 255)])
                        luma[row * w + column] = UInt8(clamping: light / 2 + t + 20)
                    }
                }
            }
        }
        let chromaWidth = width / 2
        for row in stride(from: max(0, centerY - radius) & ~1, through: min(height - 1, centerY + radius), by: 2) {
            let dy = row - centerY
            for column in stride(from: max(0, centerX - radius) & ~1, through: min(width - 1, centerX + radius), by: 2) {
                let dx = column - centerX
                guard dx * dx + dy * dy <= r2 else { continue }
                u[row / 2 * chromaWidth + column / 2] = 84
                v[row / 2 * chromaWidth + column / 2] = 186
            }
        }
    }

    // MARK: precomputed

    /// 0, 1, …, range, range − 1, …, 1, 0, 1, … (period 2·range).
    static func triangle(_ n: Int, _ range: Int) -> Int {
        guard range > 0 else { return 0 }
        let phase = n % (2 * range)
        return phase <= range ? phase : 2 * range - phase
    }

    /// A deterministic hash of a lattice point (SplitMix64's finaliser).
    static func lattice(_ x: Int, _ y: Int, _ octave: Int) -> Int {
        var z = UInt64(bitPattern: Int64(x &* 73_856_093 ^ y &* 19_349_663 ^ octave &* 83_492_791)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) & 0xFF)
    }

    /// Smooth value noise (0…255) at (x, y) with lattice spacing `cell`: the lattice values interpolated with a
    /// smoothstep, so it has structure at that scale and none finer.
    static func valueNoise(_ x: Int, _ y: Int, cell: Int, octave: Int) -> Int {
        let (cx, cy) = (x / cell, y / cell)
        let fx = Double(x % cell) / Double(cell)
        let fy = Double(y % cell) / Double(cell)
        let sx = fx * fx * (3 - 2 * fx)
        let sy = fy * fy * (3 - 2 * fy)
        let a = Double(lattice(cx, cy, octave))
        let b = Double(lattice(cx + 1, cy, octave))
        let c = Double(lattice(cx, cy + 1, octave))
        let d = Double(lattice(cx + 1, cy + 1, octave))
        let top = a + (b - a) * sx
        let bottom = c + (d - c) * sx
        return Int(top + (bottom - top) * sy)
    }

    static func makeTexture() -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 256 * 256)
        for row in 0..<256 {
            for column in 0..<256 {
                let coarse = valueNoise(column, row, cell: 32, octave: 11)
                let fine = valueNoise(column, row, cell: 8, octave: 12)
                result[row << 8 | column] = UInt8((coarse * 2 + fine) / 12)  // 0…63
            }
        }
        return result
    }

    /// The room behind the person, `width` × `height` (wider than the picture, for the pan): luma and its chroma.
    static func room(width: Int, height: Int) -> ([UInt8], [UInt8], [UInt8]) {
        var y = [UInt8](repeating: 0, count: width * height)
        let windowLeft = width * 5 / 8
        let windowRight = width * 7 / 8
        let windowBottom = height * 2 / 5
        let windowTop = height / 10
        let shelfRight = width / 4
        let shelfTop = height / 2
        let bookWidth = max(4, width / 80)
        y.withUnsafeMutableBufferPointer { luma in
            for row in 0..<height {
                let lighting = 110 - row * 50 / height
                for column in 0..<width {
                    var value = lighting
                        + (valueNoise(column, row, cell: max(8, width / 10), octave: 1) - 128) / 5
                        + (valueNoise(column, row, cell: 12, octave: 2) - 128) / 8
                        + (valueNoise(column, row, cell: 3, octave: 3) - 128) / 10
                        + (lattice(column, row, 9) - 128) / 24  // fine grain: plaster, fabric
                    if column >= windowLeft, column < windowRight, row >= windowTop, row < windowBottom {
                        // A bright window with a frame cross.
                        let onFrame = abs(column - (windowLeft + windowRight) / 2) < 3 || abs(row - (windowTop + windowBottom) / 2) < 3
                        value = onFrame ? 60 : 200 + (valueNoise(column, row, cell: 24, octave: 4) - 128) / 8
                    } else if column < shelfRight, row >= shelfTop {
                        // Books: vertical bands of differing brightness.
                        let book = column / bookWidth
                        value = 50 + lattice(book, 0, 5) / 3 + (valueNoise(column, row, cell: 6, octave: 6) - 128) / 16
                        if (row - shelfTop) % max(8, height / 6) < 3 { value = 35 }  // shelf boards
                    }
                    luma[row * width + column] = UInt8(clamping: value)
                }
            }
        }
        let chromaWidth = width / 2
        let chromaHeight = height / 2
        var u = [UInt8](repeating: 128, count: chromaWidth * chromaHeight)
        var v = [UInt8](repeating: 128, count: chromaWidth * chromaHeight)
        for row in 0..<chromaHeight {
            for column in 0..<chromaWidth {
                let x = column * 2
                let tint = (valueNoise(x, row * 2, cell: max(8, width / 6), octave: 7) - 128) / 12
                var (cu, cv) = (120 + tint, 138 - tint / 2)  // warm walls
                if x >= windowLeft, x < windowRight, row * 2 >= windowTop, row * 2 < windowBottom {
                    (cu, cv) = (136, 122)  // blue-ish daylight
                } else if x < shelfRight, row * 2 >= shelfTop {
                    let book = x / bookWidth
                    (cu, cv) = (100 + lattice(book, 1, 5) / 4, 100 + lattice(book, 2, 5) / 4)
                }
                u[row * chromaWidth + column] = UInt8(clamping: cu)
                v[row * chromaWidth + column] = UInt8(clamping: cv)
            }
        }
        return (y, u, v)
    }
}
