#ifndef TRTC_PAGE_ZERO_FILL_H
#define TRTC_PAGE_ZERO_FILL_H

#include <stddef.h>

// Large zero fills that release pages instead of writing zeros.
//
// libvpx allocates its VP8 encoder's token buffer with malloc + memset(0) sized for the worst case of a frame
// (22 MB at 1280x720) and then touches a small part of it per frame; the memset alone makes all of it resident.
// On Linux, MADV_DONTNEED on private anonymous memory gives zero-fill-on-demand pages, which read as zeros and
// take no memory until written: the same result as writing zeros, without the resident pages.

/// Fills `length` bytes at `destination` with zeros. Whole pages inside the range are released with
/// MADV_DONTNEED when they lie in one private anonymous writable mapping and the range is at least
/// `trtc_page_zero_fill_minimum_bytes()`; everything else is written. Returns the number of bytes released.
size_t trtc_page_zero_fill(void *destination, size_t length);

/// Ranges below this size are always written (checking the mapping costs more than writing them).
size_t trtc_page_zero_fill_minimum_bytes(void);

/// Bytes released by all zero fills so far in this process.
size_t trtc_page_zero_fill_released_bytes(void);

/// Outcome of `trtc_page_zero_fill_install_in_libvpx`.
typedef enum {
    TRTC_PAGE_ZERO_FILL_INSTALLED = 0,
    TRTC_PAGE_ZERO_FILL_LIBVPX_NOT_LOADED = 1,
    TRTC_PAGE_ZERO_FILL_NO_MEMSET_SLOT = 2,
    TRTC_PAGE_ZERO_FILL_PROTECT_FAILED = 3,
    TRTC_PAGE_ZERO_FILL_UNSUPPORTED_ARCHITECTURE = 4,
} trtc_page_zero_fill_status;

/// Points libvpx's own memset import (its GOT slot; no other library's) at a memset that hands zero fills of
/// `trtc_page_zero_fill_minimum_bytes()` or more to `trtc_page_zero_fill`. Runs once per process; later calls
/// return the first call's outcome. Safe to call from any thread.
trtc_page_zero_fill_status trtc_page_zero_fill_install_in_libvpx(void);

#endif
