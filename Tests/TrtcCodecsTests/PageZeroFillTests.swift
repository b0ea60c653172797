import CPageZeroFill
import Glibc
import Testing
@testable import TrtcCodecs
import TrtcMediaTestSupport

/// Zero fills that release pages: the result must always read as zeros, and pages may only be released where that
/// is what Linux gives back (private anonymous memory), never in shared or file-backed mappings.
@Suite struct PageZeroFillTests {
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    static let filler: UInt8 = 0xA5

    @Test func anonymousMappingIsReleasedAndReadsAsZeros() throws {
        let length = 8 << 20
        let memory = try #require(mapping(length: length, flags: MAP_PRIVATE | MAP_ANONYMOUS, fd: -1))
        defer { munmap(memory, length) }
        memset(memory, Int32(Self.filler), length)
        #expect(residentPages(memory, length) == length / Self.pageSize)

        let released = trtc_page_zero_fill(memory, length)
        #expect(released == length)
        #expect(residentPages(memory, length) == 0, "the pages are no longer resident")
        #expect(allZero(memory, length))
    }

    @Test func unalignedHeapRangeIsZeroedExactly() throws {
        let length = 3 << 20 + 123
        let guardBytes = 4096
        let block = try #require(malloc(length + 2 * guardBytes + 1))
        defer { free(block) }
        memset(block, Int32(Self.filler), length + 2 * guardBytes + 1)
        let start = block + guardBytes + 1  // deliberately not page aligned

        let released = trtc_page_zero_fill(start, length)
        #expect(released > 0 && released < length && released % Self.pageSize == 0)
        #expect(allZero(start, length))
        let before = UnsafeRawBufferPointer(start: block, count: guardBytes + 1)
        let after = UnsafeRawBufferPointer(start: start + length, count: guardBytes)
        #expect(before.allSatisfy { $0 == Self.filler } && after.allSatisfy { $0 == Self.filler }, "nothing outside touched")
    }

    @Test func sharedMemoryIsWrittenNotReleased() throws {
        let length = 4 << 20
        let fd = try temporaryFile(length: length)
        defer { close(fd) }
        let writer = try #require(mapping(length: length, flags: MAP_SHARED, fd: fd))
        let reader = try #require(mapping(length: length, flags: MAP_SHARED, fd: fd))
        defer { munmap(writer, length); munmap(reader, length) }
        memset(writer, Int32(Self.filler), length)

        #expect(trtc_page_zero_fill(writer, length) == 0)
        #expect(allZero(writer, length))
        #expect(allZero(reader, length), "the other mapping of the same memory sees the zeros")
    }

    @Test func privateFileMappingIsWrittenNotReleased() throws {
        // MADV_DONTNEED here would bring back the file's bytes, not zeros.
        let length = 4 << 20
        let fd = try temporaryFile(length: length)
        defer { close(fd) }
        let shared = try #require(mapping(length: length, flags: MAP_SHARED, fd: fd))
        memset(shared, Int32(Self.filler), length)
        munmap(shared, length)
        let privateCopy = try #require(mapping(length: length, flags: MAP_PRIVATE, fd: fd))
        defer { munmap(privateCopy, length) }

        #expect(trtc_page_zero_fill(privateCopy, length) == 0)
        #expect(allZero(privateCopy, length))
    }

    @Test func smallRangesAreWritten() throws {
        let length = Int(trtc_page_zero_fill_minimum_bytes()) - Self.pageSize
        let memory = try #require(mapping(length: length, flags: MAP_PRIVATE | MAP_ANONYMOUS, fd: -1))
        defer { munmap(memory, length) }
        memset(memory, Int32(Self.filler), length)
        #expect(trtc_page_zero_fill(memory, length) == 0)
        #expect(allZero(memory, length))
    }

    /// The reason for all this: a 1280×720 encoder's 22 MB token buffer is not made resident, and what the encoder
    /// then writes into it still decodes to the picture.
    @Test func libvpxZeroFillsOfA720pEncoderAreReleased() throws {
        let releasedBefore = LibvpxZeroFill.releasedBytes
        var configuration = VP8EncoderConfiguration(width: 1280, height: 720, bitrateKbps: 2500)
        configuration.frameDropping = false
        let encoder = try VP8Encoder(configuration: configuration)
        #expect(LibvpxZeroFill.isInstalled, "\(LibvpxZeroFill.unavailableReason ?? "")")
        // 80×45 macroblocks × 384 tokens × 16 bytes; the unaligned ends are written.
        #expect(LibvpxZeroFill.releasedBytes - releasedBefore >= 80 * 45 * 384 * 16 - 2 * Self.pageSize)

        let decoder = try VP8Decoder()
        for index in 0..<10 {
            let input = TestPattern.frame(width: 1280, height: 720, index: index)
            let output = try encoder.encode(input, forceKeyframe: index == 5)  // a key frame writes the most tokens
            try #require(output.count == 1)
            let picture = try #require(try decoder.decode(output[0].data))
            #expect(picture.width == 1280 && picture.height == 720)
            #expect(try #require(picture.lumaPSNR(comparedTo: input)) > 30)
        }
    }

    /// An unlinked file of `length` bytes (zeros), as its descriptor.
    private func temporaryFile(length: Int) throws -> Int32 {
        var template = Array("/tmp/trtc-zero-fill-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        try #require(fd >= 0)
        unlink(template)
        try #require(ftruncate(fd, off_t(length)) == 0)
        return fd
    }

    private func mapping(length: Int, flags: Int32, fd: Int32) -> UnsafeMutableRawPointer? {
        let address = mmap(nil, length, PROT_READ | PROT_WRITE, flags, fd, 0)
        return address == MAP_FAILED ? nil : address
    }

    private func residentPages(_ memory: UnsafeMutableRawPointer, _ length: Int) -> Int {
        var vector = [UInt8](repeating: 0, count: length / Self.pageSize)
        guard mincore(memory, length, &vector) == 0 else { return -1 }
        return vector.reduce(0) { $0 + Int($1 & 1) }
    }

    private func allZero(_ memory: UnsafeMutableRawPointer, _ length: Int) -> Bool {
        UnsafeRawBufferPointer(start: memory, count: length).allSatisfy { $0 == 0 }
    }
}
