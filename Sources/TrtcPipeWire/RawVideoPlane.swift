/// One plane of a captured picture: its bytes and the distance between rows.
struct RawVideoPlane {
    let bytes: UnsafeRawBufferPointer
    let stride: Int
}
