/// The VP8 payload descriptor that starts every VP8 RTP payload (RFC 7741 §4.2).
public struct VP8PayloadDescriptor: Sendable, Equatable {
    /// N: no other frame references this one.
    public var isNonReference: Bool
    /// S: the packet starts a VP8 partition.
    public var isStartOfPartition: Bool
    /// PID: partition index, 0…7.
    public var partitionIndex: UInt8
    /// PictureID, 7 or 15 bits (see `hasLongPictureID`).
    public var pictureID: UInt16?
    public var hasLongPictureID: Bool
    public var tl0PictureIndex: UInt8?
    public var temporalLayerIndex: UInt8?
    public var isLayerSync: Bool
    public var keyIndex: UInt8?

    public init(
        isNonReference: Bool = false, isStartOfPartition: Bool, partitionIndex: UInt8 = 0,
        pictureID: UInt16? = nil, hasLongPictureID: Bool = true, tl0PictureIndex: UInt8? = nil,
        temporalLayerIndex: UInt8? = nil, isLayerSync: Bool = false, keyIndex: UInt8? = nil
    ) {
        self.isNonReference = isNonReference
        self.isStartOfPartition = isStartOfPartition
        self.partitionIndex = partitionIndex & 0x07
        self.pictureID = pictureID.map { $0 & (hasLongPictureID ? 0x7FFF : 0x7F) }
        self.hasLongPictureID = hasLongPictureID
        self.tl0PictureIndex = tl0PictureIndex
        self.temporalLayerIndex = temporalLayerIndex.map { $0 & 0x03 }
        self.isLayerSync = isLayerSync
        self.keyIndex = keyIndex.map { $0 & 0x1F }
    }

    /// The first packet of a frame: S = 1 and PID = 0.
    public var startsFrame: Bool { isStartOfPartition && partitionIndex == 0 }

    var hasExtension: Bool { pictureID != nil || tl0PictureIndex != nil || temporalLayerIndex != nil || keyIndex != nil }

    /// Length in bytes once serialized.
    public var size: Int {
        guard hasExtension else { return 1 }
        var size = 2
        if pictureID != nil { size += hasLongPictureID ? 2 : 1 }
        if tl0PictureIndex != nil { size += 1 }
        if temporalLayerIndex != nil || keyIndex != nil { size += 1 }
        return size
    }

    /// Parses the descriptor at the start of `payload`; returns it and where the VP8 data begins.
    /// Throws for truncated descriptors and for payloads with no VP8 data after the descriptor.
    public static func parse(_ payload: [UInt8]) throws(RTPParseError) -> (descriptor: VP8PayloadDescriptor, dataOffset: Int) {
        var reader = ByteReader(payload, context: "VP8 payload descriptor")
        let first = try reader.readUInt8()
        var descriptor = VP8PayloadDescriptor(
            isNonReference: first & 0x20 != 0, isStartOfPartition: first & 0x10 != 0, partitionIndex: first & 0x07)
        if first & 0x80 != 0 {
            let extensions = try reader.readUInt8()
            if extensions & 0x80 != 0 {
                let pictureByte = try reader.readUInt8()
                if pictureByte & 0x80 != 0 {
                    descriptor.hasLongPictureID = true
                    descriptor.pictureID = UInt16(pictureByte & 0x7F) << 8 | UInt16(try reader.readUInt8())
                } else {
                    descriptor.hasLongPictureID = false
                    descriptor.pictureID = UInt16(pictureByte)
                }
            }
            if extensions & 0x40 != 0 { descriptor.tl0PictureIndex = try reader.readUInt8() }
            if extensions & 0x30 != 0 {
                let layerByte = try reader.readUInt8()
                if extensions & 0x20 != 0 {
                    descriptor.temporalLayerIndex = layerByte >> 6
                    descriptor.isLayerSync = layerByte & 0x20 != 0
                }
                if extensions & 0x10 != 0 { descriptor.keyIndex = layerByte & 0x1F }
            }
        }
        guard reader.remaining > 0 else { throw .emptyPayload("VP8 packet has a descriptor but no VP8 data") }
        return (descriptor, reader.offset)
    }

    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        var first = partitionIndex & 0x07
        if hasExtension { first |= 0x80 }
        if isNonReference { first |= 0x20 }
        if isStartOfPartition { first |= 0x10 }
        bytes.append(first)
        guard hasExtension else { return bytes }
        var extensions: UInt8 = 0
        if pictureID != nil { extensions |= 0x80 }
        if tl0PictureIndex != nil { extensions |= 0x40 }
        if temporalLayerIndex != nil { extensions |= 0x20 }
        if keyIndex != nil { extensions |= 0x10 }
        bytes.append(extensions)
        if let pictureID {
            if hasLongPictureID {
                bytes.append(0x80 | UInt8(truncatingIfNeeded: pictureID >> 8) & 0x7F)
                bytes.append(UInt8(truncatingIfNeeded: pictureID))
            } else {
                bytes.append(UInt8(truncatingIfNeeded: pictureID) & 0x7F)
            }
        }
        if let tl0PictureIndex { bytes.append(tl0PictureIndex) }
        if temporalLayerIndex != nil || keyIndex != nil {
            var layerByte: UInt8 = 0
            if let temporalLayerIndex { layerByte |= temporalLayerIndex << 6 }
            if isLayerSync { layerByte |= 0x20 }
            if let keyIndex { layerByte |= keyIndex }
            bytes.append(layerByte)
        }
        return bytes
    }
}
