import CPageZeroFill

/// libvpx sizes some buffers for the worst case and zero-fills them with memset when it allocates them; the VP8
/// encoder's token buffer alone is 22 MB at 1280×720, of which a frame writes a small part. Once installed,
/// libvpx's zero fills of 1 MiB or more release whole pages (MADV_DONTNEED on private anonymous memory reads back
/// as zeros) instead of writing them, so only what libvpx really writes becomes resident. See `CPageZeroFill`.
public enum LibvpxZeroFill {
    /// Whether libvpx's memset was redirected: patched once per process, before the first encoder or decoder opens.
    public static var isInstalled: Bool { installation == TRTC_PAGE_ZERO_FILL_INSTALLED }

    /// Why it is not installed, for a log line; nil when it is.
    public static var unavailableReason: String? {
        switch installation {
        case TRTC_PAGE_ZERO_FILL_INSTALLED: nil
        case TRTC_PAGE_ZERO_FILL_LIBVPX_NOT_LOADED: "libvpx is not among the loaded libraries"
        case TRTC_PAGE_ZERO_FILL_NO_MEMSET_SLOT: "libvpx imports no memset"
        case TRTC_PAGE_ZERO_FILL_PROTECT_FAILED: "libvpx's relocation table could not be made writable"
        default: "not supported on this architecture"
        }
    }

    /// Bytes released instead of written, by all zero fills of this process so far.
    public static var releasedBytes: Int { Int(trtc_page_zero_fill_released_bytes()) }

    /// Installs on first use (thread-safe: the C side runs it under pthread_once).
    static func install() { _ = installation }

    private static var installation: trtc_page_zero_fill_status { trtc_page_zero_fill_install_in_libvpx() }
}
