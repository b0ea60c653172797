#ifndef TRTC_PLANE_BOX_SCALE_H
#define TRTC_PLANE_BOX_SCALE_H

#include <stdint.h>

// Resizing one 8-bit image plane (Y, U or V of an I420 picture) in C: the per-sample loop runs at every frame the
// publisher sends scaled down (640x480 at 30 fps), which Swift's debug build makes ~10x slower than this.

/// Writes `destination` (destination_width x destination_height samples, rows destination_stride bytes apart) from
/// `source`. Each output sample is the rounded mean of the source samples its area covers (a box filter: shrinking
/// by 3/4 averages 1 or 2 samples per axis, by 1/2 exactly 2x2); when enlarging, the one source sample under it.
/// All sizes must be positive and strides at least the widths.
void trtc_plane_box_scale(const uint8_t *source, int source_stride, int source_width, int source_height,
                          uint8_t *destination, int destination_stride, int destination_width,
                          int destination_height);

#endif
